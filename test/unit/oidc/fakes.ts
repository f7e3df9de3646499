import { createHmac, generateKeyPairSync, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { signCompact, verificationKey, verifyToken } from '#functions/auth/jwt';
import type { IdentityRecord } from '#functions/oidc/claims';
import { newUserCode } from '#functions/oidc/codes';
import type {
  AccessTokenRecord,
  AccountView,
  ActivityEntry,
  AuthorizationCode,
  AuthorizationRequest,
  Grant,
  OidcPorts,
} from '#functions/oidc/ports';
import type { RelyingParty } from '#functions/oidc/relying-party';
import { ACCESS_TOKEN_TTL_SECONDS } from '#functions/oidc/use-cases';

/** A resident as the fakes hold one: the account view, the identity the claims come from, a verified address. */
export interface FakeResident {
  account: AccountView;
  identity: IdentityRecord;
}

/**
 * In-memory ports for the Sign in with xID use cases: every store a map, the token key a P-256 pair in
 * memory, the pairwise key an HMAC key in memory, a clock the test moves. Counts what matters.
 */
export function fakeOidc(start = new Date('2026-11-26T09:00:00Z')) {
  let now = start;
  const clients = new Map<string, RelyingParty>();
  const requests = new Map<string, AuthorizationRequest>();
  const userCodes = new Map<string, string>();
  const codes = new Map<string, AuthorizationCode>();
  const tokens = new Map<string, AccessTokenRecord>();
  const grants = new Map<string, Grant>();
  const residents = new Map<string, FakeResident>();
  const emails = new Map<string, string[]>();
  const limits = new Map<string, { count: number; until: number }>();
  const jtis = new Set<string>();
  const activity: { accountId: string; entry: ActivityEntry }[] = [];
  const pushes: { accountId: string; requestId: string; body: string }[] = [];
  const jwksAt = new Map<string, object[]>();
  const counts = { jwksFetches: 0, pairwise: 0, identityOpens: 0, sealedOpens: 0 };
  const pairwiseKey = randomBytes(32);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const tokenKey = verificationKey(publicKey.export({ format: 'der', type: 'spki' }));
  const grantKey = (accountId: string, clientId: string) => `${accountId}#${clientId}`;
  const clone = <T>(value: T): T => structuredClone(value);

  const ports: OidcPorts = {
    now: () => now,
    newId: randomUUID,
    newSecret: () => randomBytes(32).toString('base64url'),
    newUserCode: () => newUserCode(randomInt),
    relyingParty: async (clientId) => clone(clients.get(clientId)),
    createRequest: async (request) => {
      if (userCodes.has(request.userCode)) return false;
      userCodes.set(request.userCode, request.requestId);
      requests.set(request.requestId, clone(request));
      return true;
    },
    request: async (requestId) => clone(requests.get(requestId)),
    requestIdOfUserCode: async (userCode) => userCodes.get(userCode),
    countHint: async (requestId, max) => {
      const request = requests.get(requestId);
      if (!request || request.hints >= max) return false;
      request.hints++;
      return true;
    },
    address: async (request, accountId) => {
      const stored = requests.get(request.requestId);
      if (stored && !stored.addressedTo.includes(accountId)) stored.addressedTo.push(accountId);
    },
    pendingFor: async (accountId) =>
      [...requests.values()].filter((r) => r.addressedTo.includes(accountId)).map(clone),
    recordDecision: async (request, decision) => {
      const stored = requests.get(request.requestId);
      if (stored?.status !== 'pending' || stored.expiresAt <= decision.at) return false;
      stored.status = decision.kind === 'approve' ? 'approved' : 'denied';
      stored.decision = {
        accountId: decision.accountId,
        at: decision.at,
        ...(decision.kind === 'approve' ? { sub: decision.sub, grantId: decision.grant.grantId } : {}),
      };
      if (decision.kind === 'approve') {
        grants.set(grantKey(decision.accountId, decision.grant.clientId), clone(decision.grant));
        activity.push({ accountId: decision.accountId, entry: decision.activity });
      }
      return true;
    },
    issueCode: async (request, code) => {
      const stored = requests.get(request.requestId);
      if (!stored || stored.codeIssuedAt) return false;
      stored.codeIssuedAt = now;
      codes.set(code.codeHash, clone(code));
      return true;
    },
    code: async (codeHash) => clone(codes.get(codeHash)),
    redeem: async (code, token, at) => {
      const stored = codes.get(code.codeHash);
      if (!stored || stored.usedAt || stored.expiresAt <= at) return false;
      stored.usedAt = at;
      stored.accessTokenId = token.tokenId;
      tokens.set(token.tokenId, clone(token));
      return true;
    },
    accessToken: async (tokenId) => clone(tokens.get(tokenId)),
    revokeAccessToken: async (tokenId) => {
      tokens.delete(tokenId);
    },
    grant: async (accountId, clientId) => clone(grants.get(grantKey(accountId, clientId))),
    grants: async (accountId) => [...grants.values()].filter((g) => g.accountId === accountId).map(clone),
    revokeGrant: async (accountId, clientId) => grants.delete(grantKey(accountId, clientId)),
    account: async (accountId) => clone(residents.get(accountId)?.account),
    identity: async (accountId, sealed) => {
      counts.identityOpens++;
      if (sealed) counts.sealedOpens++;
      return clone(residents.get(accountId)?.identity);
    },
    accountsWithEmail: async (address) => emails.get(address) ?? [],
    take: async (key, max, windowSeconds, at) => {
      const current = limits.get(key);
      const live =
        current && current.until > at.getTime()
          ? current
          : { count: 0, until: at.getTime() + windowSeconds * 1000 };
      if (live.count >= max) return false;
      limits.set(key, { ...live, count: live.count + 1 });
      return true;
    },
    pushToAccount: async (accountId, message) => {
      pushes.push({ accountId, requestId: message.requestId, body: message.body });
    },
    signJwt: async (typ, claims) => signCompact({ typ, kid: tokenKey.kid }, claims, privateKey),
    verifyAccessToken: async (token, expected) => {
      const claims = verifyToken(token, {
        ...expected,
        keys: new Map([[tokenKey.kid, tokenKey]]),
        now,
        typ: 'at+jwt',
        maxLifetimeSeconds: ACCESS_TOKEN_TTL_SECONDS,
      });
      return { jti: claims.jti, sub: claims.sub };
    },
    pairwiseSubject: async (sector, accountId) => {
      counts.pairwise++;
      return createHmac('sha256', pairwiseKey).update(`${sector}|${accountId}`).digest('base64url');
    },
    keysAt: async (uri) => {
      counts.jwksFetches++;
      return clone((jwksAt.get(uri) ?? []) as never);
    },
    consumeAssertion: async (clientId, jti) => {
      const key = `${clientId}#${jti}`;
      if (jtis.has(key)) return false;
      jtis.add(key);
      return true;
    },
  };

  return {
    ports,
    clients,
    requests,
    codes,
    tokens,
    grants,
    activity,
    pushes,
    jwksAt,
    counts,
    tokenKey,
    addResident(resident: FakeResident, email?: string) {
      residents.set(resident.account.accountId, clone(resident));
      if (email) emails.set(email, [...(emails.get(email) ?? []), resident.account.accountId]);
    },
    setStatus(accountId: string, status: string) {
      const resident = residents.get(accountId);
      if (resident) resident.account.status = status;
    },
    advance(seconds: number) {
      now = new Date(now.getTime() + seconds * 1000);
    },
  };
}
