import type { KeyObject } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AccountStatus } from '#functions/account/model';
import type { AuthPorts } from '#functions/auth/ports';
import { activate, createSessionChallenge, login } from '#functions/auth/use-cases';
import { challenges } from '#functions/shared/challenges';
import { ProblemError } from '#functions/shared/problems';
import { signJws } from '#test/harness/phone/jws';
import { codeOf, deviceKeyPair } from '#test/unit/support';
import { memoryActivityLog } from '../activity/memory-log.ts';

/** Activation and login (design.md §3.3) with every port in memory and real ES256 device keys. */
const ACCOUNT = '00000000-0000-4000-8000-000000000001';
const NOW = new Date('2026-11-27T03:00:00Z');
const MUNICIPALITY = { code: '131091', name: '品川区' };

const keyPair = deviceKeyPair;
const AUTH = keyPair();
const SIGN = keyPair();
const STRANGER = keyPair();

interface State {
  status: AccountStatus | undefined;
  activation?: { nonce: string; expiresAt: Date };
  /** Challenges whose use was recorded, with the expiry they were kept until. */
  used: Map<string, Date>;
  minted: string[];
  now: Date;
  log: ReturnType<typeof memoryActivityLog>;
  generation: number;
}

let state: State;
let ports: AuthPorts;

beforeEach(() => {
  state = {
    status: 'pending_activation',
    activation: { nonce: 'activation-nonce', expiresAt: new Date(NOW.getTime() + 600_000) },
    used: new Map(),
    minted: [],
    now: NOW,
    log: memoryActivityLog(),
    generation: 0,
  };
  ports = {
    accountState: async (id) =>
      id === ACCOUNT && state.status
        ? {
            status: state.status,
            tokenGeneration: state.generation,
            municipality: MUNICIPALITY,
            activity: state.log.head(id),
          }
        : undefined,
    deviceKey: async (id, key) => (id === ACCOUNT ? (key === 'auth' ? AUTH.jwk : SIGN.jwk) : undefined),
    activationNonce: async (id) => (id === ACCOUNT ? state.activation : undefined),
    activate: async (id, nonce, _now, activity, head) => {
      // The head read with the account is handed on, so the adapter needs no read of its own.
      expect(head).toEqual(state.log.head(id) ?? null);
      if (state.status !== 'pending_activation') throw new ProblemError('already_active');
      if (state.activation?.nonce !== nonce) throw new ProblemError('challenge_invalid');
      state.activation = undefined;
      state.status = 'active';
      state.log.append(id, activity);
    },
    challenges: challenges(async () => Buffer.alloc(32, 7)),
    consumeSessionChallenge: async (
      { challengeId, expiresAt },
      accountId,
      generation,
      _now,
      activity,
      head,
    ) => {
      expect(head).toEqual(state.log.head(accountId) ?? null);
      if (state.used.has(challengeId)) throw new ProblemError('challenge_invalid');
      if (generation !== state.generation) throw new ProblemError('proof_invalid');
      state.used.set(challengeId, expiresAt);
      state.log.append(accountId, activity);
    },
    mintToken: async (id, generation, municipality) => {
      expect(municipality).toEqual(MUNICIPALITY);
      state.minted.push(id);
      return { token: `token-for-${id}@${generation}`, claims: {} as never };
    },
    now: () => state.now,
  };
});

const activationProof = (key: KeyObject, which: 'auth' | 'sign', nonce = 'activation-nonce') =>
  signJws(key, { type: 'xid/activation/v1', accountId: ACCOUNT, nonce, key: which });

const proofs = () => ({
  authProof: activationProof(AUTH.privateKey, 'auth'),
  signProof: activationProof(SIGN.privateKey, 'sign'),
});

describe('activation', () => {
  it('activates with PIN1 and PIN2 proofs over the nonce and answers a bearer token', async () => {
    const result = await activate(ACCOUNT, proofs(), ports);
    expect(result).toEqual({
      accountId: ACCOUNT,
      accessToken: `token-for-${ACCOUNT}@0`,
      tokenType: 'Bearer',
      expiresIn: 900,
    });
    expect(state.status).toBe('active');
    expect(state.minted).toEqual([ACCOUNT]);
    expect(state.log.entries(ACCOUNT)).toMatchObject([{ seq: 1, type: 'activated', at: NOW.toISOString() }]);
  });

  it.each([
    ['the keys swapped', () => ({ ...proofs(), authProof: activationProof(SIGN.privateKey, 'auth') })],
    ['a stranger’s key', () => ({ ...proofs(), signProof: activationProof(STRANGER.privateKey, 'sign') })],
    ['another nonce', () => ({ ...proofs(), authProof: activationProof(AUTH.privateKey, 'auth', 'x') })],
    [
      'the auth proof given for the sign key',
      () => ({ ...proofs(), signProof: activationProof(AUTH.privateKey, 'auth') }),
    ],
    ['not a JWS', () => ({ ...proofs(), authProof: 'a.b.c' })],
  ])('refuses %s with 422 proof_invalid, leaving the account pending', async (_, make) => {
    expect(await codeOf(activate(ACCOUNT, make(), ports))).toBe('proof_invalid');
    expect(state.status).toBe('pending_activation');
    expect(state.minted).toEqual([]);
    expect(state.log.entries(ACCOUNT)).toEqual([]);
  });

  it('answers 404 for an unknown account, 409 for an active one and for a used or expired nonce', async () => {
    expect(await codeOf(activate('00000000-0000-4000-8000-00000000ffff', proofs(), ports))).toBe('not_found');
    state.activation = { nonce: 'activation-nonce', expiresAt: NOW };
    expect(await codeOf(activate(ACCOUNT, proofs(), ports))).toBe('challenge_invalid');
    state.activation = undefined;
    expect(await codeOf(activate(ACCOUNT, proofs(), ports))).toBe('challenge_invalid');
    state.status = 'active';
    expect(await codeOf(activate(ACCOUNT, proofs(), ports))).toBe('already_active');
    state.status = 'reverification_required';
    expect(await codeOf(activate(ACCOUNT, proofs(), ports))).toBe('reverification_required');
    expect(state.minted).toEqual([]);
  });

  it('never locks the account: after any number of failed proofs, the right ones activate it', async () => {
    const bad = { ...proofs(), authProof: activationProof(STRANGER.privateKey, 'auth') };
    for (let i = 0; i < 50; i++) expect(await codeOf(activate(ACCOUNT, bad, ports))).toBe('proof_invalid');
    expect(await codeOf(activate(ACCOUNT, proofs(), ports))).toBe('ok');
  });
});

describe('sessions', () => {
  const sessionProof = (key: KeyObject, challenge: { nonce: string }, accountId = ACCOUNT) =>
    signJws(key, { type: 'xid/session/v1', accountId, nonce: challenge.nonce });
  const loginWith = (challenge: { challengeId: string }, proof: string) =>
    codeOf(login({ challengeId: challenge.challengeId, proof }, ports));

  beforeEach(() => {
    state.status = 'active';
    state.activation = undefined;
  });

  it('issues a single-use, five-minute challenge and logs in with the auth key', async () => {
    const challenge = await createSessionChallenge(ACCOUNT, ports);
    expect(challenge.expiresAt).toBe(new Date(NOW.getTime() + 300_000).toISOString());
    const proof = sessionProof(AUTH.privateKey, challenge);
    expect((await login({ challengeId: challenge.challengeId, proof }, ports)).accessToken).toBe(
      `token-for-${ACCOUNT}@0`,
    );
    expect([...state.used]).toEqual([[challenge.challengeId, new Date(challenge.expiresAt)]]);
    expect(await loginWith(challenge, proof)).toBe('challenge_invalid');
    // Sign first, commit last: the replay's token is signed, then discarded when its use is refused.
    expect(state.minted).toEqual([ACCOUNT, ACCOUNT]);
    expect(state.log.types(ACCOUNT)).toEqual(['signed_in']);
  });

  it('logs in an account whose certificate was revoked: only re-verification waits (design.md §3.7)', async () => {
    state.status = 'reverification_required';
    const challenge = await createSessionChallenge(ACCOUNT, ports);
    const proof = sessionProof(AUTH.privateKey, challenge);
    expect((await login({ challengeId: challenge.challengeId, proof }, ports)).accessToken).toBe(
      `token-for-${ACCOUNT}@0`,
    );
  });

  it('mints tokens at the account’s current generation, and refuses a login a recovery overtook', async () => {
    state.generation = 3;
    const challenge = await createSessionChallenge(ACCOUNT, ports);
    const proof = sessionProof(AUTH.privateKey, challenge);
    expect((await login({ challengeId: challenge.challengeId, proof }, ports)).accessToken).toBe(
      `token-for-${ACCOUNT}@3`,
    );
    const raced = await createSessionChallenge(ACCOUNT, ports);
    const accountState = ports.accountState;
    ports.accountState = async (id) => {
      const read = await accountState(id);
      state.generation = 4; // a recovery commits between the read and the login's transaction
      return read;
    };
    expect(
      await codeOf(
        login({ challengeId: raced.challengeId, proof: sessionProof(AUTH.privateKey, raced) }, ports),
      ),
    ).toBe('proof_invalid');
    // The token signed for the overtaken login (signing comes before the commit) is never given out.
    expect(state.log.types(ACCOUNT)).toEqual(['signed_in']);
  });

  it('makes a challenge without reading or writing anything, for any account id', async () => {
    const touched: string[] = [];
    const spy = new Proxy(ports, {
      get: (target, name) => {
        touched.push(String(name));
        return target[name as keyof AuthPorts];
      },
    });
    const ghost = await createSessionChallenge('00000000-0000-4000-8000-00000000ffff', spy);
    const real = await createSessionChallenge(ACCOUNT, spy);
    expect(new Set(touched)).toEqual(new Set(['challenges', 'now']));
    expect(Object.keys(ghost)).toEqual(Object.keys(real));
  });

  it('refuses the sign key and a stranger (422 proof_invalid), recording no use', async () => {
    for (const key of [SIGN.privateKey, STRANGER.privateKey]) {
      const challenge = await createSessionChallenge(ACCOUNT, ports);
      expect(await loginWith(challenge, sessionProof(key, challenge))).toBe('proof_invalid');
    }
    expect(await loginWith(await createSessionChallenge(ACCOUNT, ports), 'a.b.c')).toBe('proof_invalid');
    expect(state.used.size).toBe(0);
    expect(state.minted).toEqual([]);
  });

  it('refuses a challenge made for another account, altered or not ours (409 challenge_invalid)', async () => {
    const challenge = await createSessionChallenge(ACCOUNT, ports);
    const other = '00000000-0000-4000-8000-000000000002';
    expect(await loginWith(challenge, sessionProof(AUTH.privateKey, challenge, other))).toBe(
      'challenge_invalid',
    );
    const altered = {
      ...challenge,
      challengeId: challenge.challengeId.replace(/.$/, (c) => (c === '0' ? '1' : '0')),
    };
    expect(await loginWith(altered, sessionProof(AUTH.privateKey, challenge))).toBe('challenge_invalid');
    const foreign = await challenges(async () => Buffer.alloc(32, 8)).issue('session', ACCOUNT, NOW);
    expect(await loginWith(foreign, sessionProof(AUTH.privateKey, foreign))).toBe('challenge_invalid');
    const registration = await ports.challenges.issue('registration', ACCOUNT, NOW);
    expect(await loginWith(registration, sessionProof(AUTH.privateKey, registration))).toBe(
      'challenge_invalid',
    );
    expect(state.minted).toEqual([]);
    expect(state.log.entries(ACCOUNT)).toEqual([]);
  });

  it('refuses an expired challenge, a pending account, and an account that does not exist', async () => {
    const expired = await createSessionChallenge(ACCOUNT, ports);
    state.now = new Date(NOW.getTime() + 300_000);
    expect(await loginWith(expired, sessionProof(AUTH.privateKey, expired))).toBe('challenge_invalid');
    state.now = NOW;
    state.status = 'pending_activation';
    const pending = await createSessionChallenge(ACCOUNT, ports);
    expect(await loginWith(pending, sessionProof(AUTH.privateKey, pending))).toBe('proof_invalid');
    const ghostId = '00000000-0000-4000-8000-00000000ffff';
    const ghost = await createSessionChallenge(ghostId, ports);
    expect(await loginWith(ghost, sessionProof(AUTH.privateKey, ghost, ghostId))).toBe('proof_invalid');
    expect(state.used.size).toBe(0);
    expect(state.minted).toEqual([]);
  });
});

describe('commit last', () => {
  it('activates nothing when the token cannot be signed, so the same proofs work on the retry', async () => {
    const signing = ports.mintToken;
    ports.mintToken = async () => {
      throw Object.assign(new Error('KMS down'), { $fault: 'server' });
    };
    await expect(activate(ACCOUNT, proofs(), ports)).rejects.toThrow('KMS down');
    expect(state.status).toBe('pending_activation');
    expect(state.activation?.nonce).toBe('activation-nonce');
    ports.mintToken = signing;
    expect((await activate(ACCOUNT, proofs(), ports)).accessToken).toBe(`token-for-${ACCOUNT}@0`);
  });

  it('keeps the login challenge when the token cannot be signed', async () => {
    state.status = 'active';
    const challenge = await createSessionChallenge(ACCOUNT, ports);
    const proof = signJws(AUTH.privateKey, {
      type: 'xid/session/v1',
      accountId: ACCOUNT,
      nonce: challenge.nonce,
    });
    const signing = ports.mintToken;
    ports.mintToken = async () => {
      throw new Error('KMS down');
    };
    await expect(login({ challengeId: challenge.challengeId, proof }, ports)).rejects.toThrow('KMS down');
    ports.mintToken = signing;
    expect((await login({ challengeId: challenge.challengeId, proof }, ports)).accessToken).toBeDefined();
  });
});
