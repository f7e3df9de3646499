import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCard } from '#test/harness/cards';
import { outcomeOf, startWorld, type World } from './world.ts';

/**
 * The CRL cache under the faults of issue 15, on a runtime started for this file: the first registrations
 * of a fresh runtime share the first CRL read (none answers 503 while it loads); a CRL dated in the future
 * is refused, fails closed, and is not kept: once the right CRL is back, registration works again without
 * a restart.
 */
let world: World;
const CHIYODA: [string, string] = ['Tokyo', 'Chiyoda-ku'];
const HOUR = 3_600_000;

beforeAll(async () => {
  world = await startWorld(async (pki) => {
    // 千代田区's partition CRL as J-LIS's next issue, but dated an hour ahead: validly signed, only its date
    // is wrong. It is the one the runtime finds at its first read.
    const ahead = new Date(Date.now() + HOUR);
    await pki.publishCrl(CHIYODA, [], {
      thisUpdate: ahead,
      nextUpdate: new Date(ahead.getTime() + 24 * HOUR),
    });
    return undefined;
  });
}, 180_000);

afterAll(async () => {
  await world?.stop();
});

describe('the first CRL read of a fresh runtime', () => {
  it('is shared by 10 parallel first registrations (品川区): all 201, none 503', async () => {
    const cards = await Promise.all(
      Array.from({ length: 10 }, (_, i) => issueCard(world.pki, { name: `初回\u3000${i}` })),
    );
    const outcomes = await Promise.all(cards.map((card) => outcomeOf(world.registeredPhone({}, card))));
    expect(outcomes).toEqual(Array(10).fill(200));
  });
});

describe('a CRL dated in the future', () => {
  it('fails closed while it is the only one, and is not kept: the right CRL works again without a restart', async () => {
    const person = { address: '東京都千代田区千代田1-1', locality: CHIYODA };
    const refused = await issueCard(world.pki, { ...person, name: '未来\u3000一郎' });
    // Fails closed, and says when the sources are read again.
    expect(await world.registeredPhone({}, refused).catch((error: unknown) => error)).toMatchObject({
      status: 503,
      code: 'revocation_unavailable',
      retryAfterSeconds: 10,
    });

    await world.pki.publishCrl(CHIYODA);
    const later = await issueCard(world.pki, { ...person, name: '未来\u3000二郎' });
    // The checker reads its sources again at most every 10 s while a certificate finds no usable CRL:
    // within that, the answer may still be 503; after it, the right CRL is read and the card registers.
    const outcomes: (number | string)[] = [];
    const deadline = Date.now() + 30_000;
    for (;;) {
      const outcome = await outcomeOf(world.registeredPhone({}, later));
      outcomes.push(outcome);
      if (outcome === 200 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(outcomes.at(-1)).toBe(200);
    expect(new Set(outcomes.slice(0, -1))).toEqual(
      new Set(outcomes.length > 1 ? ['503 revocation_unavailable'] : []),
    );
  }, 60_000);
});
