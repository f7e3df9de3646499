import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { certificateIndexKey, type VerifiedCertificate } from '#functions/jpki/verify';
import { municipalityOf } from '#functions/municipality/municipalities';
import type { NewAccount } from '#functions/registration/model';
import type { RegistrationPorts } from '#functions/registration/ports';
import type { RegistrationBody } from '#functions/registration/schemas';
import { createChallenge, register } from '#functions/registration/use-cases';
import { challenges } from '#functions/shared/challenges';
import { ProblemError } from '#functions/shared/problems';
import { createTestPki, issueCard } from '#test/harness/cards';

/**
 * Registration's rules with every port in memory (design.md §3.2): each row of the check table with its
 * code, in the table's order, and nothing written unless every check passed. The certificate rows are the
 * JPKI verifier's (test/unit/jpki/verify.test.ts); here the verifier is a port whose refusal must come
 * after the request checks and before anything is written.
 */
const NOW = new Date('2026-11-27T03:00:00Z');
const TERMS = {
  terms: { version: '2026-04', sha256: 'a'.repeat(64) },
  privacyPolicy: { version: '2026-04', sha256: 'b'.repeat(64) },
};
const publicJwk = () => {
  const { x, y } = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  return { kty: 'EC' as const, crv: 'P-256' as const, x: x as string, y: y as string };
};
const AUTH_KEY = publicJwk();
const SIGN_KEY = publicJwk();

const verified: VerifiedCertificate = {
  items: {
    name: '公的　花子',
    gender: 'female',
    dateOfBirth: '1966-11-10',
    address: '東京都品川区広町2-1-10',
    addressFlags: '0000000000000',
  },
  certificate: {
    issuerSha256: 'c'.repeat(64),
    issuer: 'OU=JPKI for digital signature,O=JPKI-TEST,C=JP',
    serial: '1a2b',
    notBefore: '2025-01-01T00:00:00.000Z',
    notAfter: '2030-01-01T14:59:59.000Z',
    sha256: 'd'.repeat(64),
    anchor: 'e'.repeat(64),
    testAnchor: true,
  },
};

interface World {
  ports: RegistrationPorts;
  /** Challenges whose use was recorded, with the expiry they were kept until. */
  used: Map<string, Date>;
  now: Date;
  registered: Set<string>;
  created: NewAccount[];
  sealed: Record<string, string>[];
  verifyCalls: number;
  /** Make the card verifier refuse with this code. */
  refuseCard?: ProblemError;
  /** Make the transaction's condition fail (a race lost after the read). */
  transactionFails?: 'challenge_invalid' | 'already_registered';
  /** Accounts that were activated since (a retry then finds no pending registration). */
  activated: Set<string>;
  /** The certificate the verifier reports, when not the fixed one. */
  verifiedCertificate?: VerifiedCertificate['certificate'];
}

let world: World;
let ids = 0;

beforeEach(() => {
  ids = 0;
  const w: World = {
    used: new Map(),
    now: NOW,
    registered: new Set(),
    created: [],
    sealed: [],
    verifyCalls: 0,
    activated: new Set(),
  } as unknown as World;
  w.ports = {
    challenges: challenges(async () => Buffer.alloc(32, 9)),
    challengeUsed: async (id) => w.used.has(id),
    currentTerms: () => TERMS,
    verifyCard: async () => {
      w.verifyCalls += 1;
      if (w.refuseCard) throw w.refuseCard;
      return w.verifiedCertificate ? { ...verified, certificate: w.verifiedCertificate } : verified;
    },
    municipalityOf,
    isCertificateRegistered: async (issuer, serial) => w.registered.has(`${issuer}#${serial}`),
    pendingRegistration: async (issuer, serial) => {
      const account = w.created.find(
        (a) => a.certificate.issuerSha256 === issuer && a.certificate.serial === serial,
      );
      if (!account || w.activated.has(account.accountId)) return undefined;
      return {
        accountId: account.accountId,
        municipality: account.municipality,
        activation: account.activation,
        registrationSha256: account.registrationSha256,
      };
    },
    sealFields: async (_accountId, fields) => {
      w.sealed.push(fields);
      return {
        sealed: Object.fromEntries(
          Object.keys(fields).map((f) => [f, { iv: 'iv', ciphertext: `sealed-${f}`, tag: 't' }]),
        ),
        wrappedDataKey: 'wrapped',
      };
    },
    createAccount: async (account, { challengeId, expiresAt }) => {
      if (w.transactionFails) throw new ProblemError(w.transactionFails);
      if (w.used.has(challengeId)) throw new ProblemError('challenge_invalid');
      w.used.set(challengeId, expiresAt);
      w.created.push(account);
    },
    newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
    newNonce: () => `nonce-${ids}-${'x'.repeat(30)}`,
    now: () => w.now,
  };
  world = w;
});

async function validBody(): Promise<RegistrationBody> {
  const challenge = await createChallenge(world.ports);
  return {
    statement: {
      type: 'xid/registration/v1',
      challengeId: challenge.challengeId,
      nonce: challenge.nonce,
      termsVersion: TERMS.terms.version,
      termsSha256: TERMS.terms.sha256,
      privacyPolicyVersion: TERMS.privacyPolicy.version,
      privacyPolicySha256: TERMS.privacyPolicy.sha256,
      authKey: AUTH_KEY,
      signKey: SIGN_KEY,
    },
    certificate: Buffer.alloc(1500, 1).toString('base64'),
    signature: Buffer.alloc(256, 2).toString('base64'),
    consents: { identityVerification: true },
  };
}

async function codeOf(body: RegistrationBody): Promise<string> {
  try {
    await register(body, world.ports);
  } catch (error) {
    if (error instanceof ProblemError) return error.code;
    throw error;
  }
  return 'created';
}

function expectNothingWritten() {
  expect(world.created).toEqual([]);
  expect(world.sealed).toEqual([]);
}

describe('registration: the challenge', () => {
  it('lives five minutes, names the terms in force, and is made without writing anything', async () => {
    const challenge = await createChallenge(world.ports);
    expect(challenge.expiresAt).toBe(new Date(NOW.getTime() + 300_000).toISOString());
    expect(challenge.terms).toEqual(TERMS.terms);
    expect(challenge.privacyPolicy).toEqual(TERMS.privacyPolicy);
    expect(challenge.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(world.used.size).toBe(0);
  });

  it('records its use with the registration, kept until the challenge expires', async () => {
    const body = await validBody();
    expect(await codeOf(body)).toBe('created');
    expect([...world.used]).toEqual([[body.statement.challengeId, new Date(NOW.getTime() + 300_000)]]);
  });
});

describe('registration: the check table, row by row', () => {
  it('1. refuses a certificate over 4 KiB or a signature that is not 256 bytes (400 invalid_request)', async () => {
    const big = { ...(await validBody()), certificate: Buffer.alloc(4097).toString('base64') };
    const short = { ...(await validBody()), signature: Buffer.alloc(255).toString('base64') };
    expect(await codeOf(big)).toBe('invalid_request');
    expect(await codeOf(short)).toBe('invalid_request');
    expect(world.verifyCalls).toBe(0);
    expectNothingWritten();
  });

  it('1. refuses a device key that is not a point on P-256 (400 invalid_request)', async () => {
    const body = await validBody();
    body.statement.authKey = { ...AUTH_KEY, x: SIGN_KEY.y };
    expect(await codeOf(body)).toBe('invalid_request');
    expectNothingWritten();
  });

  it('2. refuses an unknown, altered, expired or used challenge (409 challenge_invalid)', async () => {
    const unknown = await validBody();
    unknown.statement.challengeId = 'no-such-challenge';
    expect(await codeOf(unknown)).toBe('challenge_invalid');

    const moved = await validBody();
    moved.statement.challengeId = (await createChallenge(world.ports)).challengeId;
    expect(await codeOf(moved)).toBe('challenge_invalid');

    const otherNonce = await validBody();
    otherNonce.statement.nonce = 'n'.repeat(43);
    expect(await codeOf(otherNonce)).toBe('challenge_invalid');

    const expired = await validBody();
    world.now = new Date(NOW.getTime() + 300_000);
    expect(await codeOf(expired)).toBe('challenge_invalid');
    world.now = NOW;

    const once = await validBody();
    expect(await codeOf(once)).toBe('created');
    world.created = [];
    world.sealed = [];
    expect(await codeOf(once)).toBe('challenge_invalid');
    expectNothingWritten();
  });

  it.each([
    ['older terms', { termsVersion: '2025-01' }],
    ['another digest of the terms', { termsSha256: 'f'.repeat(64) }],
    ['another privacy policy', { privacyPolicyVersion: '2025-01' }],
    ['another digest of the policy', { privacyPolicySha256: 'f'.repeat(64) }],
    ['one key for both PINs', { signKey: AUTH_KEY }],
  ])('3. refuses a statement with %s (400 statement_mismatch)', async (_, change) => {
    const body = await validBody();
    Object.assign(body.statement, change);
    expect(await codeOf(body)).toBe('statement_mismatch');
    expect(world.verifyCalls).toBe(0);
    expectNothingWritten();
  });

  it('4. refuses without the identity-verification consent (400 consent_required)', async () => {
    const body = { ...(await validBody()), consents: { identityVerification: false } };
    expect(await codeOf(body)).toBe('consent_required');
    expect(world.verifyCalls).toBe(0);
    expectNothingWritten();
  });

  it.each([
    'certificate_malformed',
    'certificate_untrusted',
    'certificate_expired',
    'certificate_not_yet_valid',
    'certificate_profile',
    'certificate_revoked',
    'revocation_unavailable',
    'signature_invalid',
  ] as const)('5–10. passes on the card verifier’s %s, writing nothing', async (code) => {
    world.refuseCard = new ProblemError(code);
    expect(await codeOf(await validBody())).toBe(code);
    expect(world.verifyCalls).toBe(1);
    expectNothingWritten();
  });

  it('11. refuses an address with no municipality (422 municipality_unknown)', async () => {
    const original = verified.items.address;
    verified.items.address = '架空県架空市1-2-3';
    try {
      expect(await codeOf(await validBody())).toBe('municipality_unknown');
    } finally {
      verified.items.address = original;
    }
    expectNothingWritten();
  });

  it('12. refuses a certificate already registered, read first or lost in the transaction (409 already_registered)', async () => {
    world.registered.add(`${verified.certificate.issuerSha256}#${verified.certificate.serial}`);
    expect(await codeOf(await validBody())).toBe('already_registered');
    expectNothingWritten();
    world.registered.clear();
    world.transactionFails = 'already_registered';
    expect(await codeOf(await validBody())).toBe('already_registered');
    expect(world.created).toEqual([]);
  });
});

describe('registration: the order of the checks', () => {
  it('reports the first failing row when several fail', async () => {
    // 2 before 3 and 4
    const a = await validBody();
    a.statement.challengeId = 'gone';
    a.statement.termsVersion = 'old';
    a.consents.identityVerification = false;
    expect(await codeOf(a)).toBe('challenge_invalid');
    // 3 before 4
    const b = await validBody();
    b.statement.termsVersion = 'old';
    b.consents.identityVerification = false;
    expect(await codeOf(b)).toBe('statement_mismatch');
    // 4 before the certificate
    const c = await validBody();
    c.consents.identityVerification = false;
    world.refuseCard = new ProblemError('certificate_revoked');
    expect(await codeOf(c)).toBe('consent_required');
    // the certificate before the municipality and the index
    world.registered.add(`${verified.certificate.issuerSha256}#${verified.certificate.serial}`);
    expect(await codeOf(await validBody())).toBe('certificate_revoked');
    expectNothingWritten();
  });
});

describe('registration: what is written', () => {
  it('creates one pending account with the municipality, sealed items, consents, device keys and a 10-minute activation', async () => {
    const body = await validBody();
    const result = await register(body, world.ports);
    expect(result).toMatchObject({
      status: 'pending_activation',
      municipality: { code: '131091', name: '品川区' },
      activation: { expiresAt: new Date(NOW.getTime() + 600_000).toISOString() },
    });
    expect(world.created).toHaveLength(1);
    const account = world.created[0] as NewAccount;
    expect(account.accountId).toBe(result.accountId);
    expect(account.name).toBe('公的　花子');
    expect(Object.keys(account.sealed).sort()).toEqual(['address', 'addressFlags', 'dateOfBirth', 'gender']);
    expect(JSON.stringify(account.sealed)).not.toContain('東京都');
    expect(world.sealed[0]).not.toHaveProperty('name');
    expect(account.deviceKeys).toEqual({ auth: AUTH_KEY, sign: SIGN_KEY });
    expect(account.consents.map((c) => c.kind).sort()).toEqual([
      'identityVerification',
      'privacyPolicy',
      'terms',
    ]);
    expect(account.certificate).toEqual(verified.certificate);
    expect(account.activation.nonce).toBe(result.activation.nonce);
    // The log's first entry goes into the same transaction; it names the municipality, nothing personal.
    expect(account.activity).toEqual({ type: 'registered', at: NOW, detail: { municipality: '131091' } });
  });
});

describe('registration: a lost response (design.md §3.9)', () => {
  let certificate: string;
  beforeAll(async () => {
    const card = await issueCard(await createTestPki());
    if (!card.signature) throw new Error('the card has a signature certificate');
    certificate = card.signature.der.toString('base64');
  }, 60_000);

  async function sentOnce() {
    const body = { ...(await validBody()), certificate };
    const key = certificateIndexKey(Buffer.from(certificate, 'base64'));
    world.verifiedCertificate = { ...verified.certificate, ...key };
    const first = await register(body, world.ports);
    return { body, first };
  }

  it('answers the same body again, before activation, with the same 201, verifying and writing nothing more', async () => {
    const { body, first } = await sentOnce();
    const calls = { verify: world.verifyCalls, sealed: world.sealed.length };
    expect(await register(structuredClone(body), world.ports)).toEqual(first);
    expect(world.created).toHaveLength(1);
    expect({ verify: world.verifyCalls, sealed: world.sealed.length }).toEqual(calls);
  });

  it('answers the same 201 to the second of two sendings that both read the unused challenge', async () => {
    const { body, first } = await sentOnce();
    // The second read the challenge as unused before the first recorded its use.
    world.used.delete(body.statement.challengeId);
    world.transactionFails = 'challenge_invalid';
    expect(await register(body, world.ports)).toEqual(first);
  });

  it.each([
    [
      'another signature',
      (b: RegistrationBody) => ({ ...b, signature: Buffer.alloc(256, 9).toString('base64') }),
    ],
    ['another consent', (b: RegistrationBody) => ({ ...b, consents: { identityVerification: false } })],
    [
      'another device key',
      (b: RegistrationBody) => ({ ...b, statement: { ...b.statement, authKey: publicJwk() } }),
    ],
  ])('refuses a body with %s (409 challenge_invalid)', async (_, change) => {
    const { body } = await sentOnce();
    expect(await codeOf(change(body))).toBe('challenge_invalid');
    expect(world.created).toHaveLength(1);
  });

  it('refuses it after the activation, or once the activation nonce expired (409 challenge_invalid)', async () => {
    const { body, first } = await sentOnce();
    const expired = world.ports.now;
    world.ports.now = () => new Date(Date.parse(first.activation.expiresAt));
    expect(await codeOf(body)).toBe('challenge_invalid');
    world.ports.now = expired;
    world.activated.add(first.accountId);
    expect(await codeOf(body)).toBe('challenge_invalid');
  });
});
