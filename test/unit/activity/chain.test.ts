import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entryHash, firstBrokenEntry, GENESIS_HASH, headOf, nextEntry } from '#functions/activity/chain';
import { ACTIVITY_TYPES, type ActivityEntry, type ActivityEvent } from '#functions/activity/model';
import { chainHash as referenceHash, verifyActivity } from '#test/harness/phone/activity';

/**
 * The activity hash chain (design.md §3.11), checked against the virtual phone's implementation of the rule,
 * written from the contract alone with the `canonicalize` package (the reference JCS on npm) and WebCrypto:
 * hash = base64url(SHA-256(prevHash ‖ JCS(entry without hash))), prevHash of seq 1 = 32 zero bytes.
 */
/** A chain built by the module under test from a list of events. */
function build(events: ActivityEvent[]): ActivityEntry[] {
  const entries: ActivityEntry[] = [];
  for (const event of events) {
    const last = entries.at(-1);
    entries.push(nextEntry(last && headOf(last), event));
  }
  return entries;
}

const detailValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.integer(),
  fc.boolean(),
  fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
);
const events = fc.array(
  fc.record({
    type: fc.constantFrom(...ACTIVITY_TYPES),
    at: fc.date({
      min: new Date('2020-01-01T00:00:00Z'),
      max: new Date('2099-12-31T00:00:00Z'),
      noInvalidDate: true,
    }),
    detail: fc.option(
      fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), detailValue, { maxKeys: 4 }),
      {
        nil: undefined,
      },
    ),
  }),
  { minLength: 1, maxLength: 12 },
);

describe('the activity hash chain', () => {
  it('hashes the first entry over 32 zero bytes and the entry’s JCS', () => {
    const [first] = build([
      { type: 'registered', at: new Date('2026-11-27T03:00:00.000Z'), detail: { municipality: '131091' } },
    ]);
    const expected = createHash('sha256')
      .update(
        Buffer.concat([
          Buffer.alloc(32),
          Buffer.from(
            '{"at":"2026-11-27T03:00:00.000Z","detail":{"municipality":"131091"},"seq":1,"type":"registered"}',
          ),
        ]),
      )
      .digest('base64url');
    expect(first).toEqual({
      seq: 1,
      at: '2026-11-27T03:00:00.000Z',
      type: 'registered',
      detail: { municipality: '131091' },
      hash: expected,
    });
    expect(GENESIS_HASH.equals(Buffer.alloc(32))).toBe(true);
  });

  it('agrees with an independent implementation of the rule for any sequence of events', async () => {
    await fc.assert(
      fc.asyncProperty(events, async (list) => {
        const entries = build(list);
        let previous: string | undefined;
        for (const [i, entry] of entries.entries()) {
          expect(entry.seq).toBe(i + 1);
          expect(entry.hash).toBe(await referenceHash(previous, entry));
          previous = entry.hash;
        }
        expect(firstBrokenEntry(entries)).toBeUndefined();
        expect(await verifyActivity([...entries].reverse(), headOf(entries.at(-1) as ActivityEntry))).toBe(
          true,
        );
      }),
      { numRuns: 150 },
    );
  });

  it('finds the entry whose type, detail, time, number or hash was changed', () => {
    fc.assert(
      fc.property(
        events.filter((l) => l.length >= 2),
        fc.nat(),
        fc.nat(4),
        (list, pick, how) => {
          const entries = build(list);
          const index = pick % entries.length;
          const victim = entries[index] as ActivityEntry;
          const tampered: ActivityEntry[] = [
            { ...victim, type: victim.type === 'signed_in' ? 'activated' : 'signed_in' },
            { ...victim, detail: { ...victim.detail, extra: true } },
            { ...victim, at: new Date(Date.parse(victim.at) + 1).toISOString() },
            { ...victim, seq: victim.seq + 1 },
            { ...victim, hash: Buffer.alloc(32, 7).toString('base64url') },
          ];
          const copy = [...entries];
          copy[index] = tampered[how] as ActivityEntry;
          expect(firstBrokenEntry(copy)).toBe(index + 1);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('finds a removed, a reordered or an inserted entry', () => {
    const entries = build(
      ['registered', 'activated', 'signed_in', 'email_set', 'email_verified'].map((type, i) => ({
        type: type as ActivityEvent['type'],
        at: new Date(Date.UTC(2026, 10, 27, 3, i)),
      })),
    );
    const [a, b, c, d, e] = entries as [
      ActivityEntry,
      ActivityEntry,
      ActivityEntry,
      ActivityEntry,
      ActivityEntry,
    ];
    expect(firstBrokenEntry([a, b, d, e])).toBe(3);
    expect(firstBrokenEntry([a, c, b, d, e])).toBe(2);
    expect(firstBrokenEntry([a, b, c, c, d])).toBe(4);
    expect(firstBrokenEntry([b, c, d])).toBe(1);
    expect(firstBrokenEntry([a, b, c, d, e])).toBeUndefined();
  });

  it('verifies a page in the middle of the log from the hash of the entry before it', () => {
    const entries = build(
      Array.from({ length: 6 }, (_, i) => ({
        type: 'signed_in' as const,
        at: new Date(Date.UTC(2026, 0, 1, i)),
      })),
    );
    expect(firstBrokenEntry(entries.slice(3), entries[2]?.hash)).toBeUndefined();
    expect(firstBrokenEntry(entries.slice(3), entries[1]?.hash)).toBe(4);
  });

  it('refuses a previous hash that is not 32 bytes', () => {
    expect(() =>
      entryHash('abc', { seq: 2, at: '2026-01-01T00:00:00.000Z', type: 'signed_in', detail: {} }),
    ).toThrow();
  });
});
