import type { KeyObject } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AccountRecord, CertificateSummary } from '#functions/account/model';
import type { LinkStatus } from '#functions/jpki/linkage';
import type { BasicItems, VerifiedCertificate } from '#functions/jpki/verify';
import { municipalityOf } from '#functions/municipality/municipalities';
import type { SubscriptionRecord } from '#functions/push/model';
import { itemsMatch, type ReverificationCommit } from '#functions/reverification/model';
import type { ReverificationPorts } from '#functions/reverification/ports';
import { type ReverificationBody, reverificationResponse } from '#functions/reverification/schemas';
import { reverify } from '#functions/reverification/use-cases';
import { ProblemError } from '#functions/shared/problems';
import { signJws } from '#test/harness/phone/jws';
import { codeOf, deviceKeyPair } from '#test/unit/support';

/** Re-verification (design.md §3.8) with every port in memory, real sign-key proofs and a fake card check. */
const ACCOUNT = '00000000-0000-4000-8000-000000000001';
const NOW = new Date('2026-11-27T03:00:00Z');
const SIGN = deviceKeyPair();
const AUTH = deviceKeyPair();
const ISSUER =
  'OU=Japan Agency for Local Authority Information Systems,OU=JPKI for digital signature,O=JPKI-TEST,C=JP';

const HANAKO: BasicItems = {
  name: '公的\u3000花子',
  gender: 'female',
  dateOfBirth: '1966-11-10',
  address: '東京都品川区広町2-1-10',
};
const MOVED: BasicItems = { ...HANAKO, address: '神奈川県横浜市鶴見区鶴見中央3-20-1' };
const MARRIED: BasicItems = { ...HANAKO, name: '山田\u3000花子' };

const certificateOf = (serial: string, issuerSha256 = 'c'.repeat(64)): CertificateSummary => ({
  issuerSha256,
  issuer: ISSUER,
  serial,
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: '2031-11-10T14:59:59.000Z',
  sha256: serial.padEnd(64, '0'),
  anchor: 'e'.repeat(64),
  testAnchor: true,
});
const OLD = certificateOf('0a01');
const NEW = certificateOf('0b02');

/** A sealed field in memory: the plain text, marked so that tests see what was "sealed". */
const seal = (value: string) => ({ iv: 'iv', ciphertext: `sealed:${value}`, tag: 'tag' });

interface State {
  account: AccountRecord;
  items: BasicItems;
  challenges: Map<string, { nonce: string; used: boolean }>;
  registered: Set<string>;
  links: Map<string, LinkStatus>;
  subscription?: SubscriptionRecord;
  onboarded: Set<string>;
  card: { items: BasicItems; certificate: CertificateSummary } | ProblemError;
  settings: { itemMatch: boolean };
  committed: ReverificationCommit[];
  commitFails?: ProblemError;
  reseals: number;
  subscribed: { topicArn: string; endpointArn: string; arn: string }[];
  unsubscribed: string[];
  unsubscribeFails: boolean;
}

let state: State;
let ports: ReverificationPorts;

beforeEach(() => {
  state = {
    account: {
      accountId: ACCOUNT,
      status: 'reverification_required',
      name: HANAKO.name,
      sealed: {
        gender: seal(HANAKO.gender),
        dateOfBirth: seal(HANAKO.dateOfBirth),
        address: seal(HANAKO.address),
      },
      wrappedDataKey: 'wrapped-key',
      municipality: municipalityOf(HANAKO.address) as NonNullable<ReturnType<typeof municipalityOf>>,
      certificate: OLD,
    },
    items: HANAKO,
    challenges: new Map([['challenge-1', { nonce: 'n'.repeat(43), used: false }]]),
    registered: new Set([`${OLD.issuerSha256}#${OLD.serial}`]),
    links: new Map(),
    onboarded: new Set(['131091', '141003']),
    card: { items: MOVED, certificate: NEW },
    settings: { itemMatch: true },
    committed: [],
    reseals: 0,
    subscribed: [],
    unsubscribed: [],
    unsubscribeFails: false,
  };
  ports = {
    settings: {
      get itemMatch() {
        return state.settings.itemMatch;
      },
    },
    account: async (id) => (id === ACCOUNT ? state.account : undefined),
    deviceKey: async (id, key) => (id === ACCOUNT && key === 'sign' ? SIGN.jwk : undefined),
    stepUpChallengeUsable: async (id, claim) => {
      const found = state.challenges.get(claim.challengeId);
      return id === ACCOUNT && found?.nonce === claim.nonce && !found.used;
    },
    verifyCard: async () => {
      if (state.card instanceof ProblemError) throw state.card;
      return { items: state.card.items, certificate: state.card.certificate } as VerifiedCertificate;
    },
    municipalityOf,
    isCertificateRegistered: async (issuer, serial) => state.registered.has(`${issuer}#${serial}`),
    resealFields: async (id, wrapped, open, fields) => {
      expect([id, wrapped]).toEqual([ACCOUNT, 'wrapped-key']);
      state.reseals += 1;
      const opened = Object.fromEntries(
        Object.entries(open).map(([field, value]) => [field, value.ciphertext.replace(/^sealed:/, '')]),
      );
      const sealed = Object.fromEntries(Object.entries(fields).map(([field, value]) => [field, seal(value)]));
      return { opened, sealed };
    },
    certificateLink: async (issuer, oldSerial, newSerial) => {
      expect(issuer).toBe(ISSUER);
      return state.links.get(`${oldSerial}>${newSerial}`) ?? 'not_linked';
    },
    subscription: async (id) => (id === ACCOUNT ? state.subscription : undefined),
    municipalityRecord: async (code) =>
      state.onboarded.has(code)
        ? { code, name: '', prefecture: '', ingestTopicArn: '', publisher: '', onboardedAt: '' }
        : undefined,
    ensurePushTopic: async (code) => `arn:push-${code}`,
    subscribeEndpoint: async (topicArn, endpointArn) => {
      const arn = `${topicArn}:sub-${state.subscribed.length + 1}`;
      state.subscribed.push({ topicArn, endpointArn, arn });
      return arn;
    },
    unsubscribe: async (arn) => {
      if (state.unsubscribeFails) throw new Error('SNS is down');
      state.unsubscribed.push(arn);
    },
    commitReverification: async (change) => {
      if (state.commitFails) throw state.commitFails;
      const challenge = state.challenges.get(change.challenge.challengeId);
      if (!challenge || challenge.used) throw new ProblemError('challenge_invalid');
      challenge.used = true;
      state.committed.push(change);
      if (change.subscription) state.subscription = change.subscription.next;
    },
    now: () => NOW,
  };
});

const statement = (overrides: Partial<ReverificationBody['statement']> = {}) => ({
  type: 'xid/reverification/v1' as const,
  accountId: ACCOUNT,
  challengeId: 'challenge-1',
  nonce: 'n'.repeat(43),
  ...overrides,
});

function body(
  overrides: Partial<ReverificationBody['statement']> = {},
  key: KeyObject = SIGN.privateKey,
): ReverificationBody {
  const signed = statement(overrides);
  return {
    statement: signed,
    certificate: Buffer.alloc(1200, 1).toString('base64'),
    signature: Buffer.alloc(256, 2).toString('base64'),
    signProof: signJws(key, signed),
  };
}

const subscribed = (code = '131091'): SubscriptionRecord => ({
  code,
  topicArn: `arn:push-${code}`,
  subscriptionArn: `arn:push-${code}:old`,
  endpointArn: 'arn:endpoint-1',
});

describe('POST /v1/me/reverification', () => {
  it('moves the account to the linked certificate, its items and its municipality', async () => {
    state.links.set(`${OLD.serial}>${NEW.serial}`, 'linked');
    const outcome = await reverify(ACCOUNT, body(), ports);
    expect(reverificationResponse.parse(outcome.body)).toEqual({
      accountId: ACCOUNT,
      status: 'active',
      municipality: { code: '141003', name: '横浜市' },
      previousMunicipality: { code: '131091', name: '品川区' },
      noticeSubscription: 'none',
    });
    expect(outcome.evidence).toBe('linkage');
    expect(state.reseals).toBe(1);
    expect(state.committed).toHaveLength(1);
    const [change] = state.committed as [ReverificationCommit];
    expect(change).toMatchObject({
      accountId: ACCOUNT,
      at: NOW,
      challenge: { challengeId: 'challenge-1' },
      previous: { certificate: OLD, status: 'reverification_required' },
      certificate: NEW,
      name: HANAKO.name,
      municipality: { code: '141003', ward: { code: '141011', name: '鶴見区' } },
    });
    expect(change.sealed.address?.ciphertext).toBe(`sealed:${MOVED.address}`);
    expect(change.subscription).toBeUndefined();
  });

  it.each([
    ['a move (same name and date of birth)', MOVED],
    ['a marriage (same address and date of birth)', MARRIED],
  ])('accepts %s without a link under the item-match rule', async (_, items) => {
    state.card = { items, certificate: NEW };
    const outcome = await reverify(ACCOUNT, body(), ports);
    expect(outcome.evidence).toBe('items');
    expect(state.committed[0]?.name).toBe(items.name);
  });

  it.each([
    ['another date of birth', { ...MOVED, dateOfBirth: '1966-11-11' }],
    ['another name and another address', { ...MOVED, name: '山田\u3000花子' }],
  ])('refuses a card with %s and no link (identity_mismatch), writing nothing', async (_, items) => {
    state.subscription = subscribed();
    state.card = { items, certificate: NEW };
    expect(await codeOf(reverify(ACCOUNT, body(), ports))).toBe('identity_mismatch');
    expect(state.committed).toEqual([]);
    expect(state.subscribed).toEqual([]);
    expect(state.unsubscribed).toEqual([]);
  });

  it('goes by the linkage alone where the stage turned item matching off', async () => {
    state.settings.itemMatch = false;
    expect(await codeOf(reverify(ACCOUNT, body(), ports))).toBe('identity_mismatch');
    state.links.set(`${OLD.serial}>${NEW.serial}`, 'linked');
    expect(await codeOf(reverify(ACCOUNT, body(), ports))).toBe('ok');
  });

  it('links only certificates of the same issuer', async () => {
    state.links.set(`${OLD.serial}>${NEW.serial}`, 'linked');
    state.card = {
      items: { ...MOVED, name: '山田\u3000花子' },
      certificate: certificateOf('0b02', 'f'.repeat(64)),
    };
    expect(await codeOf(reverify(ACCOUNT, body(), ports))).toBe('identity_mismatch');
  });

  it('fails closed when the linkage cannot be read and the items do not match', async () => {
    state.links.set(`${OLD.serial}>${NEW.serial}`, 'unknown');
    state.card = { items: { ...MOVED, name: '山田\u3000花子' }, certificate: NEW };
    expect(await codeOf(reverify(ACCOUNT, body(), ports))).toBe('service_unavailable');
    state.card = { items: MOVED, certificate: NEW };
    expect(await codeOf(reverify(ACCOUNT, body(), ports))).toBe('ok');
  });

  it('refuses the account’s current certificate (certificate_unchanged) and a registered one', async () => {
    state.card = { items: HANAKO, certificate: OLD };
    expect(await codeOf(reverify(ACCOUNT, body(), ports))).toBe('certificate_unchanged');
    state.registered.add(`${NEW.issuerSha256}#${NEW.serial}`);
    state.card = { items: MOVED, certificate: NEW };
    expect(await codeOf(reverify(ACCOUNT, body(), ports))).toBe('already_registered');
    expect(state.committed).toEqual([]);
  });

  it.each([
    [
      'a statement for another account',
      () => body({ accountId: '00000000-0000-4000-8000-000000000002' }),
      'statement_mismatch',
    ],
    ['an unknown challenge', () => body({ challengeId: 'challenge-9' }), 'challenge_invalid'],
    ['another nonce', () => body({ nonce: 'm'.repeat(43) }), 'challenge_invalid'],
    ['a proof by the auth key', () => body({}, AUTH.privateKey), 'proof_invalid'],
    [
      'a proof over another purpose',
      () => ({ ...body(), signProof: signJws(SIGN.privateKey, { ...statement(), type: 'xid/deletion/v1' }) }),
      'proof_invalid',
    ],
    [
      'a certificate of the wrong size',
      () => ({ ...body(), certificate: Buffer.alloc(5000).toString('base64') }),
      'invalid_request',
    ],
  ])('refuses %s, writing nothing', async (_, make, code) => {
    expect(await codeOf(reverify(ACCOUNT, make(), ports))).toBe(code);
    expect(state.committed).toEqual([]);
    expect(state.reseals).toBe(0);
  });

  it.each([
    'certificate_revoked',
    'revocation_unavailable',
    'signature_invalid',
    'certificate_untrusted',
  ] as const)('passes the card check’s %s on, writing nothing', async (code) => {
    state.card = new ProblemError(code);
    expect(await codeOf(reverify(ACCOUNT, body(), ports))).toBe(code);
    expect(state.committed).toEqual([]);
  });

  it('refuses an address outside every municipality (municipality_unknown)', async () => {
    state.card = { items: { ...MOVED, address: '月面基地1-1' }, certificate: NEW };
    expect(await codeOf(reverify(ACCOUNT, body(), ports))).toBe('municipality_unknown');
  });

  it('refuses an account that is not active (conflict)', async () => {
    state.account = { ...state.account, status: 'pending_activation' };
    expect(await codeOf(reverify(ACCOUNT, body(), ports))).toBe('conflict');
  });

  it('moves the subscription to the new municipality’s topic, then ends the old one', async () => {
    state.subscription = subscribed();
    const outcome = await reverify(ACCOUNT, body(), ports);
    expect(outcome.body.noticeSubscription).toBe('moved');
    expect(state.subscribed).toEqual([
      { topicArn: 'arn:push-141003', endpointArn: 'arn:endpoint-1', arn: 'arn:push-141003:sub-1' },
    ]);
    expect(state.committed[0]?.subscription).toEqual({
      previousArn: 'arn:push-131091:old',
      next: {
        code: '141003',
        topicArn: 'arn:push-141003',
        subscriptionArn: 'arn:push-141003:sub-1',
        endpointArn: 'arn:endpoint-1',
      },
    });
    expect(state.unsubscribed).toEqual(['arn:push-131091:old']);
  });

  it('ends the subscription when the new municipality does not publish through xID', async () => {
    state.subscription = subscribed();
    state.onboarded.delete('141003');
    const outcome = await reverify(ACCOUNT, body(), ports);
    expect(outcome.body.noticeSubscription).toBe('ended');
    expect(state.committed[0]?.subscription).toEqual({ previousArn: 'arn:push-131091:old' });
    expect(state.subscribed).toEqual([]);
    expect(state.unsubscribed).toEqual(['arn:push-131091:old']);
    expect(state.subscription).toBeUndefined();
  });

  it('keeps the subscription when the municipality is the same (a marriage)', async () => {
    state.subscription = subscribed();
    state.card = { items: MARRIED, certificate: NEW };
    const outcome = await reverify(ACCOUNT, body(), ports);
    expect(outcome.body).toMatchObject({ noticeSubscription: 'unchanged', previousMunicipality: null });
    expect(state.committed[0]?.subscription).toBeUndefined();
    expect([state.subscribed, state.unsubscribed]).toEqual([[], []]);
  });

  it('undoes the new subscription when the transaction is refused, and keeps the old one', async () => {
    state.subscription = subscribed();
    state.commitFails = new ProblemError('conflict');
    expect(await codeOf(reverify(ACCOUNT, body(), ports))).toBe('conflict');
    expect(state.unsubscribed).toEqual(['arn:push-141003:sub-1']);
    expect(state.subscription?.subscriptionArn).toBe('arn:push-131091:old');
  });

  it('leaves a new subscription that a concurrent winner made and keeps', async () => {
    state.subscription = subscribed();
    state.commitFails = new ProblemError('conflict');
    const subscribe = ports.subscribeEndpoint;
    ports.subscribeEndpoint = async (topicArn, endpointArn) => {
      const arn = await subscribe(topicArn, endpointArn);
      state.subscription = { ...subscribed('141003'), subscriptionArn: arn }; // the winner's commit
      return arn;
    };
    expect(await codeOf(reverify(ACCOUNT, body(), ports))).toBe('conflict');
    expect(state.unsubscribed).toEqual([]);
  });

  it('answers 200 and reports the old subscription when ending it fails after the transaction', async () => {
    state.subscription = subscribed();
    state.unsubscribeFails = true;
    const outcome = await reverify(ACCOUNT, body(), ports);
    expect(outcome.body.noticeSubscription).toBe('moved');
    expect(outcome.leftoverSubscription).toBe('arn:push-131091:old');
  });
});

describe('the item-match rule', () => {
  it.each([
    [MOVED, true],
    [MARRIED, true],
    [{ ...MOVED, name: '山田\u3000花子' }, false],
    [{ ...HANAKO, dateOfBirth: '1966-11-11' }, false],
  ])('%#: %o', (next, expected) => {
    expect(itemsMatch(HANAKO, next)).toBe(expected);
  });
});
