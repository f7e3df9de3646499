import type { KeyObject } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ChallengeClaim, StepUpChallenge } from '#functions/step-up/model';
import type { SignProofPorts, StepUpPorts } from '#functions/step-up/ports';
import { createStepUpChallenge, verifySignProof } from '#functions/step-up/use-cases';
import { signJws } from '#test/harness/phone/jws';
import { codeOf, deviceKeyPair } from '#test/unit/support';

/** Step-up challenges and sign proofs (design.md §3.6) with the ports in memory and real ES256 keys. */
const ACCOUNT = '00000000-0000-4000-8000-000000000001';
const OTHER = '00000000-0000-4000-8000-000000000002';
const NOW = new Date('2026-11-27T03:00:00Z');

const keyPair = deviceKeyPair;
const SIGN = keyPair();
const AUTH = keyPair();
const OTHER_SIGN = keyPair();

interface Issued extends StepUpChallenge {
  accountId: string;
}

let now: Date;
let issued: Map<string, Issued>;
let ports: StepUpPorts & SignProofPorts;

beforeEach(() => {
  now = NOW;
  issued = new Map();
  let ids = 0;
  ports = {
    accountExists: async (id) => id === ACCOUNT || id === OTHER,
    issueStepUpChallenge: async (accountId, expiresAt) => {
      ids += 1;
      const challenge = { challengeId: `challenge-${ids}`, nonce: `nonce-${ids}`, expiresAt };
      issued.set(challenge.challengeId, { ...challenge, accountId });
      return challenge;
    },
    stepUpChallengeUsable: async (accountId, claim, at) => {
      const found = issued.get(claim.challengeId);
      return found?.accountId === accountId && found.nonce === claim.nonce && found.expiresAt > at;
    },
    deviceKey: async (id) => (id === ACCOUNT ? SIGN.jwk : id === OTHER ? OTHER_SIGN.jwk : undefined),
    now: () => now,
  };
});

const proofOver = (key: KeyObject, payload: object) => signJws(key, payload);

async function challengeFor(accountId = ACCOUNT): Promise<ChallengeClaim> {
  const { challengeId, nonce } = await createStepUpChallenge(accountId, ports);
  return { challengeId, nonce };
}

describe('POST /v1/me/challenges', () => {
  it('answers a challenge for the account that expires in 5 minutes', async () => {
    const body = await createStepUpChallenge(ACCOUNT, ports);
    expect(body).toEqual({
      challengeId: 'challenge-1',
      nonce: 'nonce-1',
      expiresAt: '2026-11-27T03:05:00.000Z',
    });
    expect(issued.get('challenge-1')?.accountId).toBe(ACCOUNT);
  });

  it('refuses a token whose account is gone', async () => {
    expect(await codeOf(createStepUpChallenge('00000000-0000-4000-8000-000000000009', ports))).toBe(
      'unauthorized',
    );
    expect(issued.size).toBe(0);
  });
});

describe('verifySignProof', () => {
  const object = (claim: ChallengeClaim, overrides: Record<string, unknown> = {}) => ({
    type: 'xid/deletion/v1',
    accountId: ACCOUNT,
    ...claim,
    ...overrides,
  });

  it('accepts the sign key’s proof over the rebuilt object and answers its challenge', async () => {
    const claim = await challengeFor();
    const proof = proofOver(SIGN.privateKey, object(claim));
    expect(await verifySignProof(proof, { purpose: 'deletion', accountId: ACCOUNT }, ports)).toEqual(claim);
  });

  it('checks the extra members and a challenge named outside the proof', async () => {
    const claim = await challengeFor();
    const proof = proofOver(SIGN.privateKey, object(claim, { reason: 'moved' }));
    const expected = { purpose: 'deletion', accountId: ACCOUNT, challenge: claim };
    expect(await verifySignProof(proof, { ...expected, fields: { reason: 'moved' } }, ports)).toEqual(claim);
    expect(await codeOf(verifySignProof(proof, { ...expected, fields: { reason: 'other' } }, ports))).toBe(
      'proof_invalid',
    );
    expect(await codeOf(verifySignProof(proof, expected, ports))).toBe('proof_invalid');
  });

  it.each([
    ['another purpose', (c: ChallengeClaim) => proofOver(SIGN.privateKey, object(c, { type: 'xid/x/v1' }))],
    ['another account', (c: ChallengeClaim) => proofOver(SIGN.privateKey, object(c, { accountId: OTHER }))],
    ['the auth key', (c: ChallengeClaim) => proofOver(AUTH.privateKey, object(c))],
    ['another account’s sign key', (c: ChallengeClaim) => proofOver(OTHER_SIGN.privateKey, object(c))],
    ['an extra member', (c: ChallengeClaim) => proofOver(SIGN.privateKey, object(c, { extra: true }))],
    ['no JWS at all', () => 'a.b.c'],
    ['a payload without a challenge', () => proofOver(SIGN.privateKey, { type: 'xid/deletion/v1' })],
  ])('refuses a proof by %s (proof_invalid)', async (_, make) => {
    const claim = await challengeFor();
    expect(
      await codeOf(verifySignProof(make(claim), { purpose: 'deletion', accountId: ACCOUNT }, ports)),
    ).toBe('proof_invalid');
  });

  it('refuses a challenge named outside the proof that the proof is not over', async () => {
    const [first, second] = [await challengeFor(), await challengeFor()];
    const proof = proofOver(SIGN.privateKey, object(first));
    const expected = { purpose: 'deletion', accountId: ACCOUNT, challenge: second };
    expect(await codeOf(verifySignProof(proof, expected, ports))).toBe('proof_invalid');
  });

  it.each([
    ['expired', async () => ({ claim: await challengeFor(), later: 5 * 60_000 })],
    ['unknown', async () => ({ claim: { challengeId: 'nope', nonce: 'nonce-1' }, later: 0 })],
    ['issued to another account', async () => ({ claim: await challengeFor(OTHER), later: 0 })],
    [
      'named with another nonce',
      async () => ({ claim: { ...(await challengeFor()), nonce: 'nonce-x' }, later: 0 }),
    ],
  ])('refuses a challenge that is %s (challenge_invalid)', async (_, setup) => {
    const { claim, later } = await setup();
    now = new Date(NOW.getTime() + later);
    const proof = proofOver(SIGN.privateKey, object(claim));
    expect(await codeOf(verifySignProof(proof, { purpose: 'deletion', accountId: ACCOUNT }, ports))).toBe(
      'challenge_invalid',
    );
  });

  it('never locks the account: a valid proof still works after many failed ones', async () => {
    const claim = await challengeFor();
    for (let i = 0; i < 20; i++) {
      const wrong = proofOver(AUTH.privateKey, object(claim));
      expect(await codeOf(verifySignProof(wrong, { purpose: 'deletion', accountId: ACCOUNT }, ports))).toBe(
        'proof_invalid',
      );
    }
    const proof = proofOver(SIGN.privateKey, object(claim));
    expect(await verifySignProof(proof, { purpose: 'deletion', accountId: ACCOUNT }, ports)).toEqual(claim);
  });
});
