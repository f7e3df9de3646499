import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHALLENGE_TTL_SECONDS, challenges, uuidV7, uuidV7Time } from '#functions/shared/challenges';

/** Stateless challenges (functions/shared/challenges.ts): made and checked with a MAC key and a clock only. */
const NOW = new Date('2026-11-27T03:00:00.123Z');
const KEY = Buffer.alloc(32, 1);
let keyUses = 0;
const codec = challenges(async () => {
  keyUses += 1;
  return KEY;
});
const ACCOUNT = '00000000-0000-4000-8000-000000000001';
const later = (ms: number) => new Date(NOW.getTime() + ms);

describe('UUIDv7 challenge ids', () => {
  it('carry the time they were made, to the millisecond, and are RFC 9562 version 7', () => {
    const id = uuidV7(NOW);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidV7Time(id)).toEqual(NOW);
    expect(uuidV7(NOW)).not.toBe(id);
  });

  it('reads any string without throwing, and only lower-case version-7 UUIDs as ids', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        const time = uuidV7Time(text);
        if (time) expect(text).toMatch(/^[0-9a-f-]{36}$/);
      }),
    );
    expect(uuidV7Time(uuidV7(NOW).toUpperCase())).toBeUndefined();
    expect(uuidV7Time('3f0c0a8e-5b1d-4c2e-9f3a-1b2c3d4e5f60')).toBeUndefined();
  });
});

describe('challenges', () => {
  it('check as valid until they expire, then as expired', async () => {
    const challenge = await codec.issue('session', ACCOUNT, NOW);
    expect(challenge.expiresAt).toEqual(later(CHALLENGE_TTL_SECONDS.session * 1000));
    expect(challenge.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await codec.check('session', challenge, ACCOUNT, later(299_999))).toEqual({
      valid: true,
      expiresAt: challenge.expiresAt,
    });
    expect(await codec.check('session', challenge, ACCOUNT, later(300_000))).toEqual({
      valid: false,
      reason: 'expired',
    });
  });

  it('are bound to their purpose, their account and the key', async () => {
    const challenge = await codec.issue('session', ACCOUNT, NOW);
    const unknown = { valid: false, reason: 'unknown' };
    expect(await codec.check('registration', challenge, ACCOUNT, NOW)).toEqual(unknown);
    expect(await codec.check('session', challenge, `${ACCOUNT.slice(0, -1)}2`, NOW)).toEqual(unknown);
    const otherKey = challenges(async () => Buffer.alloc(32, 2));
    expect(await otherKey.check('session', challenge, ACCOUNT, NOW)).toEqual(unknown);
  });

  it('refuse an id whose time was moved, and one from the future', async () => {
    const challenge = await codec.issue('registration', '', NOW);
    const moved = uuidV7(
      later(60_000),
      Buffer.from(challenge.challengeId.replaceAll('-', '').slice(12), 'hex'),
    );
    expect((await codec.check('registration', { ...challenge, challengeId: moved }, '', NOW)).valid).toBe(
      false,
    );
    const future = await codec.issue('registration', '', later(60_000));
    expect(await codec.check('registration', future, '', NOW)).toEqual({ valid: false, reason: 'unknown' });
  });

  it('never throw, and never accept, for anything a client might send', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 64 }),
        fc.string({ maxLength: 64 }),
        async (challengeId, nonce) => {
          expect((await codec.check('registration', { challengeId, nonce }, '', NOW)).valid).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuse a nonce in another spelling of the same bytes (padding, or stray bits in the last character)', async () => {
    const challenge = await codec.issue('session', ACCOUNT, NOW);
    const last = challenge.nonce.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = challenge.nonce.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
    expect(Buffer.from(twin, 'base64url')).toEqual(Buffer.from(challenge.nonce, 'base64url'));
    expect((await codec.check('session', { ...challenge, nonce: twin }, ACCOUNT, NOW)).valid).toBe(false);
    expect(
      (await codec.check('session', { ...challenge, nonce: `${challenge.nonce}=` }, ACCOUNT, NOW)).valid,
    ).toBe(false);
  });

  it('ask the key source on each use (it memoises), and nothing else', async () => {
    keyUses = 0;
    const challenge = await codec.issue('session', ACCOUNT, NOW);
    await codec.check('session', challenge, ACCOUNT, NOW);
    expect(keyUses).toBe(2);
  });
});
