import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '#lib/routes';
import { fuzzApi } from '#test/fuzz/api-fuzz';
import { startWorld, type World } from './world.ts';

/**
 * The fuzz pass over the HTTP surface (test/fuzz/api-fuzz.ts), smaller than `npm run fuzz:api`'s 2,000
 * requests: every route gets mutated requests, and none may be answered 5xx, take over 5 seconds, or be
 * refused after changing the table. A new seed each run; a failure names it, and
 * `npm run fuzz:api -- --seed <seed>` replays the same requests.
 */
const COUNT = Number(process.env.XID_FUZZ_COUNT ?? 8 * ROUTES.length);
const SEED = Number(process.env.XID_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
let world: World;

beforeAll(async () => {
  world = await startWorld();
}, 180_000);

afterAll(async () => {
  await world?.stop();
});

describe('the HTTP surface under mutated requests', () => {
  it(`answers ${COUNT} mutated requests across every route without a 5xx, a hang, or a write on refusal`, async () => {
    const result = await fuzzApi(world, { count: COUNT, seed: SEED });
    expect({ seed: SEED, failures: result.failures }).toEqual({ seed: SEED, failures: [] });
    expect(result.sent).toBe(COUNT);
    expect(Object.keys(result.byRoute).sort()).toEqual(ROUTES.map((route) => route.id).sort());
    // The mutations reached the handlers' own refusals, not only the gateway's.
    expect(Object.keys(result.byStatus)).toEqual(expect.arrayContaining(['400', '401']));
  }, 300_000);
});
