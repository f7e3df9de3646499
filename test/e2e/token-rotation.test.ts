import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS } from '#functions/adapters/table-keys';
import { MIN_ROTATION_INTERVAL_SECONDS } from '#functions/auth/token-key-set';
import type { ApiError } from '#test/harness/phone/api';
import { PIN1, startWorld, type World } from './world.ts';

/**
 * Rotating the token-signing keys as a deployment with a new `tokenKeyRotation` label does it (the same
 * custom resource, its answer in every function's environment, every container replaced): tokens from
 * before a rotation keep working until the rotation after, and the JWKS always publishes the next key.
 */
let world: World;

beforeAll(async () => {
  // Every function in its own container, so that a rotation replaces them as Lambda would.
  world = await startWorld(async () => ({ XID_ISOLATE: '*' }));
}, 180_000);

afterAll(async () => {
  await world?.stop();
});

const kidOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()) as { kid: string }).kid;
const jwks = async () =>
  (await world.api.request<{ keys: { kid: string }[] }>('GET', '/.well-known/jwks.json')).keys.map(
    (k) => k.kid,
  );

/** A deployment with a new rotation label, once the set is old enough to rotate. */
async function rotate(): Promise<void> {
  const set = (await world.table.get(KEYS.tokenKeys())) as Record<string, unknown>;
  const old = new Date(Date.now() - (MIN_ROTATION_INTERVAL_SECONDS + 60) * 1000).toISOString();
  await world.table.put({ ...set, rotatedAt: old });
  const response = await fetch(`${world.runtime.apiUrl}/_local/token-keys/rotation`, { method: 'POST' });
  expect(response.status).toBe(200);
}

async function meStatus(token: string): Promise<number> {
  try {
    await world.api.me(token);
    return 200;
  } catch (error) {
    return (error as ApiError).status;
  }
}

describe('token key rotation', () => {
  it('keeps the old signer published for its tokens, signs with the key published before, and drops keys two rotations old', async () => {
    const phone = await world.activePhone();
    const first = phone.accessToken as string;
    const [signer1, next1, ...rest] = await jwks();
    expect(rest).toEqual([]);
    expect(kidOf(first)).toBe(signer1);

    await rotate();
    const [signer2, next2, previous2] = await jwks();
    expect(signer2).toBe(next1);
    expect(previous2).toBe(signer1);
    expect([signer1, next1]).not.toContain(next2);
    const second = (await phone.login(world.api, PIN1)).accessToken;
    expect(kidOf(second)).toBe(signer2);
    expect(await meStatus(first)).toBe(200);
    expect(await meStatus(second)).toBe(200);

    await rotate();
    expect(await jwks()).toEqual([next2, expect.any(String), signer2]);
    // The first key left the set: its token is refused, by the function too (the gateway may still
    // hold the authorizer's earlier answer for it).
    expect(await meStatus(first)).toBe(401);
    expect(await meStatus(second)).toBe(200);
  });
});
