import { createHash } from 'node:crypto';
import { canonicalBytes } from '../shared/jcs.ts';
import type { ActivityEntry, ActivityEvent, ActivityHead } from './model.ts';

/**
 * The hash chain of the activity log (design.md §3.11), pure:
 * `hash = base64url(SHA-256(prevHash ‖ JCS(entry without hash)))`, where `prevHash` is the previous entry's
 * hash as its 32 bytes, and 32 zero bytes before the first entry (`seq` 1).
 */
export const GENESIS_HASH = Buffer.alloc(32);

/** The hash of an entry that follows `previous` (the previous entry's `hash`, or undefined for `seq` 1). */
export function entryHash(previous: string | undefined, entry: Omit<ActivityEntry, 'hash'>): string {
  const prev = previous === undefined ? GENESIS_HASH : Buffer.from(previous, 'base64url');
  if (prev.length !== 32) throw new Error('a previous hash is 32 bytes');
  const { seq, at, type, detail } = entry;
  return createHash('sha256')
    .update(prev)
    .update(canonicalBytes({ seq, at, type, detail }))
    .digest('base64url');
}

/** The entry that records `event` after `head` (undefined: the log is empty). */
export function nextEntry(head: ActivityHead | undefined, event: ActivityEvent): ActivityEntry {
  const unhashed = {
    seq: (head?.seq ?? 0) + 1,
    at: event.at.toISOString(),
    type: event.type,
    detail: event.detail ?? {},
  };
  return { ...unhashed, hash: entryHash(head?.hash, unhashed) };
}

/** The head an entry makes. */
export const headOf = (entry: ActivityEntry): ActivityHead => ({ seq: entry.seq, hash: entry.hash });

/**
 * Checks consecutive entries, oldest first: each `seq` one more than the last and each hash recomputed.
 * `before` is the hash of the entry just before the first one given; without it the first must be `seq` 1.
 * Returns the `seq` that the first entry that does not verify should have had, or undefined when all verify.
 */
export function firstBrokenEntry(entries: readonly ActivityEntry[], before?: string): number | undefined {
  let previous = before;
  let expected = before === undefined ? 1 : (entries[0]?.seq ?? 1);
  for (const entry of entries) {
    if (entry.seq !== expected || entryHash(previous, entry) !== entry.hash) return expected;
    previous = entry.hash;
    expected += 1;
  }
  return undefined;
}
