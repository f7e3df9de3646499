import canonicalize from 'canonicalize';

/**
 * The app's side of the activity log (design.md §3.11): checking the hash chain as an app would, written
 * from the contract alone with the reference JCS package and WebCrypto, and sharing no code with the
 * server's `functions/activity/chain.ts`, so that tests can hold one against the other.
 */
export interface SeenEntry {
  seq: number;
  at: string;
  type: string;
  detail: Record<string, unknown>;
  hash: string;
}

/** base64url(SHA-256(prevHash ‖ JCS(entry without hash))); prevHash is 32 zero bytes before `seq` 1. */
export async function chainHash(previous: string | undefined, entry: SeenEntry): Promise<string> {
  const { hash: _hash, ...rest } = entry;
  const prev = previous === undefined ? new Uint8Array(32) : Buffer.from(previous, 'base64url');
  const body = new TextEncoder().encode(canonicalize(rest) as string);
  const joined = new Uint8Array(prev.length + body.length);
  joined.set(prev);
  joined.set(body, prev.length);
  return Buffer.from(await crypto.subtle.digest('SHA-256', joined)).toString('base64url');
}

/**
 * Whether a whole log (any order) is a chain from `seq` 1 whose newest entry is `head` (what `GET /v1/me`
 * said): every `seq` present once, every hash recomputed.
 */
export async function verifyActivity(
  entries: SeenEntry[],
  head: { seq: number; hash: string },
): Promise<boolean> {
  const ordered = [...entries].sort((a, b) => a.seq - b.seq);
  let previous: string | undefined;
  for (const [i, entry] of ordered.entries()) {
    if (entry.seq !== i + 1 || (await chainHash(previous, entry)) !== entry.hash) return false;
    previous = entry.hash;
  }
  const last = ordered.at(-1);
  return last !== undefined && last.seq === head.seq && last.hash === head.hash;
}
