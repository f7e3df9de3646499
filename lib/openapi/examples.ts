import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { headOf, nextEntry } from '../../functions/activity/chain.ts';
import type { ActivityEntry, ActivityEvent } from '../../functions/activity/model.ts';
import { discovery } from '../../functions/oidc/use-cases.ts';
import { REPO_ROOT } from '../paths.ts';

/**
 * Examples in the OpenAPI document. The card, statement, proof and push examples are the published test
 * vectors (`docs/test-vectors/`), which a unit test recomputes; the rest are written here. A unit test
 * validates every example against its schema, so none of them can drift from the contract.
 */
const vectors = <T>(name: string): T =>
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'docs/test-vectors', name), 'utf8')) as T;

const registration = vectors<{
  challenge: Record<string, unknown>;
  statement: Record<string, unknown>;
  request: Record<string, unknown>;
}>('registration.json');
const proofs = vectors<{
  activation: {
    auth: { payload: { accountId: string; nonce: string } };
    request: Record<string, unknown>;
  };
  session: { payload: Record<string, unknown>; jws: string };
}>('proofs.json');
const push = vectors<{
  notice: Record<string, unknown> & { noticeId: string };
  municipality: { code: string; name: string };
  snsMessage: string;
  apns: unknown;
  fcm: unknown;
}>('push.json');

const { accountId, nonce: activationNonce } = proofs.activation.auth.payload;
const municipality = push.municipality;
const sha = (c: string) => c.repeat(64);
const token = {
  accountId,
  accessToken:
    'eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6IjNxNEQ5ZiJ9.eyJzdWIiOiI2YjFkM2EwZS01ZjJjLTRjODktOWQ0ZS0yYTdmMWIzYzVkNjAifQ.c2lnbmF0dXJl',
  tokenType: 'Bearer',
  expiresIn: 900,
};
const { schema: _schema, ...noticeItem } = push.notice;
/** The re-verification statement: signed by the new card and, as a step-up proof, by the sign key. */
const reverificationStatement = {
  type: 'xid/reverification/v1',
  accountId,
  challengeId: '0f8e6c2a-3b1d-4e5f-8a9b-0c1d2e3f4a5b',
  nonce: proofs.session.payload.nonce,
};

/** A short activity log, chained by the server's own rule (design.md §3.11). */
const activityLog = (() => {
  const events: ActivityEvent[] = [
    {
      type: 'registered',
      at: new Date('2026-11-26T09:00:12.004Z'),
      detail: { municipality: municipality.code },
    },
    { type: 'activated', at: new Date('2026-11-26T09:00:41.877Z') },
    { type: 'signed_in', at: new Date('2026-11-27T08:15:03.512Z') },
  ];
  const entries: ActivityEntry[] = [];
  for (const event of events) {
    const last = entries.at(-1);
    entries.push(nextEntry(last && headOf(last), event));
  }
  return entries;
})();
const activityHead = headOf(activityLog.at(-1) as ActivityEntry);
const { consents: _consents, ...cardSigned } = registration.request as { consents: unknown } & Record<
  string,
  Record<string, unknown>
>;

/** Sign in with xID: one request of 品川区電子申請, approved by 公的 花子. */
const signIn = {
  requestId: '0b6f3c52-4a8e-4f8e-9a51-2f3c5d6e7f80',
  clientId: '7d3f1c2e-8a4b-4c6d-9e0f-1a2b3c4d5e6f',
  clientName: '品川区電子申請',
  claims: ['name', 'birthdate', 'address'],
};
const issuer = 'https://api.example.jp';
const jwt = (payload: string) =>
  `eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6IjNxNEQ5ZiJ9.${payload}.c2lnbmF0dXJl`;
const released = {
  sub: 'o3H8yVwq1Zk2Lr5Tn7Xp9Bc4Df6Gh8Jk0Mn2Pq4Rs6T',
  name: '公的　花子',
  birthdate: '1966-11-10',
  address: { formatted: '東京都品川区広町2-1-10', region: '東京都', locality: '品川区' },
};

/** By named schema: values for its `examples`. */
export const NAMED_EXAMPLES: Record<string, unknown[]> = {
  RegistrationStatement: [registration.statement],
  ReverificationStatement: [reverificationStatement],
  ActivationProofPayload: [proofs.activation.auth.payload],
  SessionProofPayload: [proofs.session.payload],
  Notice: [push.notice],
  PushTopicMessage: [JSON.parse(push.snsMessage)],
  ApnsPayload: [push.apns],
  FcmPayload: [push.fcm],
  AuthorizationProofPayload: [
    {
      type: 'xid/authorization/v1',
      accountId,
      requestId: signIn.requestId,
      clientId: signIn.clientId,
      claims: signIn.claims,
      decision: 'approve',
    },
  ],
};

/** By route id: a request body and a success body. */
export const ROUTE_EXAMPLES: Record<string, { request?: unknown; response?: unknown }> = {
  getHealth: { response: { status: 'ok', stage: 'dev' } },
  getTerms: {
    response: {
      terms: {
        version: '2026-11-01',
        sha256: sha('a'),
        url: 'https://api.example.jp/v1/terms/terms-of-use',
      },
      privacyPolicy: {
        version: '2026-11-01',
        sha256: sha('b'),
        url: 'https://api.example.jp/v1/terms/privacy-policy',
      },
    },
  },
  postRegistrationChallenge: {
    response: { ...registration.challenge, expiresAt: '2026-11-26T09:05:00.000Z' },
  },
  postRegistration: {
    request: registration.request,
    response: {
      accountId,
      status: 'pending_activation',
      municipality,
      activation: { nonce: activationNonce, expiresAt: '2026-11-26T09:10:00.000Z' },
    },
  },
  postActivation: { request: proofs.activation.request, response: token },
  postSessionChallenge: {
    request: { accountId },
    response: {
      challengeId: '5c2e8f1a-9b3d-4e6f-8a1c-2d4e6f8a0b1c',
      nonce: proofs.session.payload.nonce,
      expiresAt: '2026-11-27T09:05:00.000Z',
    },
  },
  postSession: {
    request: { challengeId: '5c2e8f1a-9b3d-4e6f-8a1c-2d4e6f8a0b1c', proof: proofs.session.jws },
    response: token,
  },
  getMe: {
    response: {
      accountId,
      status: 'active',
      reverification: null,
      name: '公的　花子',
      gender: 'female',
      dateOfBirth: '1966-11-10',
      address: '東京都品川区広町2-1-10',
      municipality,
      email: { address: 'hanako@example.jp', verified: true, deliverable: true },
      emailVerified: true,
      activity: activityHead,
    },
  },
  deleteMe: { request: { signProof: proofs.session.jws } },
  getActivity: { response: { items: [...activityLog].reverse(), nextCursor: null } },
  postRecovery: {
    // The shape of a recovery: the registration vector's certificate and signature stand in for the card's
    // signature over this statement.
    request: {
      ...cardSigned,
      statement: { ...(cardSigned.statement as Record<string, unknown>), type: 'xid/recovery/v1' },
    },
    response: {
      accountId,
      status: 'pending_activation',
      municipality,
      activation: { nonce: activationNonce, expiresAt: '2026-11-26T09:10:00.000Z' },
    },
  },
  postStepUpChallenge: {
    response: {
      challengeId: '0f8e6c2a-3b1d-4e5f-8a9b-0c1d2e3f4a5b',
      nonce: proofs.session.payload.nonce,
      expiresAt: '2026-11-27T09:05:00.000Z',
    },
  },
  postReverification: {
    request: {
      statement: reverificationStatement,
      certificate: registration.request.certificate,
      signature: registration.request.signature,
      signProof:
        'eyJhbGciOiJFUzI1NiJ9.eyJhY2NvdW50SWQiOiI2YjFkM2EwZS01ZjJjLTRjODktOWQ0ZS0yYTdmMWIzYzVkNjAifQ.c2lnbmF0dXJl',
    },
    response: {
      accountId,
      status: 'active',
      municipality: { code: '141003', name: '横浜市' },
      previousMunicipality: municipality,
      noticeSubscription: 'moved',
    },
  },
  putEmail: {
    request: { email: 'hanako@example.jp' },
    response: { email: 'hanako@example.jp', verified: false, warnings: [] },
  },
  postEmailResend: { response: { email: 'hanako@example.jp', verified: false } },
  putPush: {
    request: { platform: 'APNS', token: sha('0') },
    response: { platform: 'APNS', enabled: true },
  },
  getMunicipality: {
    response: {
      code: '141003',
      name: '横浜市',
      prefecture: '神奈川県',
      ward: { code: '141011', name: '鶴見区' },
      notices: true,
      subscribed: true,
    },
  },
  putNoticeSubscription: {
    request: { push: true, consents: { termsVersion: '2026-11-01', privacyPolicyVersion: '2026-11-01' } },
    response: { municipality, push: true },
  },
  getNotices: { response: { municipality, items: [noticeItem], nextCursor: null } },
  getMunicipalityNotices: {
    response: { municipality: { code: municipality.code }, items: [noticeItem], nextCursor: null },
  },
  getNotice: { response: noticeItem },
  // The document the route serves, for the example's issuer.
  getOpenIdConfiguration: { response: discovery(issuer) },
  getAuthorizationRequestStatus: { response: { state: 'pending' } },
  postLoginHint: {
    request: { email: 'hanako@example.jp' },
    response: { requestId: signIn.requestId, expiresAt: '2026-11-26T09:05:00.000Z' },
  },
  postToken: {
    response: {
      access_token: jwt('eyJzdWIiOiJvM0g4In0'),
      token_type: 'Bearer',
      expires_in: 600,
      id_token: jwt('eyJzdWIiOiJvM0g4IiwibmFtZSI6IuWFrOeahOOAgOiKseWtkCJ9'),
      scope: 'openid',
    },
  },
  getUserinfo: { response: released },
  postUserinfo: { response: released },
  getAuthorizationRequests: {
    response: { items: [{ ...signIn, userCode: 'BCDF-GHJK', expiresAt: '2026-11-26T09:05:00.000Z' }] },
  },
  postAuthorizationRequestClaim: {
    request: { userCode: 'BCDF-GHJK' },
    response: { ...signIn, userCode: 'BCDF-GHJK', expiresAt: '2026-11-26T09:05:00.000Z' },
  },
  postAuthorizationDecision: {
    request: { decision: 'approve', proof: proofs.session.jws },
    response: { requestId: signIn.requestId, state: 'approved' },
  },
  getAuthorizations: {
    response: {
      items: [
        {
          clientId: signIn.clientId,
          clientName: signIn.clientName,
          claims: signIn.claims,
          firstAuthorizedAt: '2026-11-26T09:01:00.000Z',
          lastAuthorizedAt: '2026-11-26T09:01:00.000Z',
        },
      ],
    },
  },
  getJwks: {
    response: {
      keys: [
        {
          kty: 'EC',
          crv: 'P-256',
          x: 'vRx6_yd-B977shR0eoRlhXm95D2kTvOaIB214RV_1cg',
          y: '1nRhdOK-Ec1FGZpSKG0jX0xpOBW7hBcIWIy4IqHssLQ',
          kid: '3q4D9fTnN7xJ0bYp1Vw2Zk8sQe5LmH6gCaRuXoI4t0E',
          use: 'sig',
          alg: 'ES256',
        },
      ],
    },
  },
};
