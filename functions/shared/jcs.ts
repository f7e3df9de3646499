/**
 * JSON Canonicalization Scheme (RFC 8785). Whatever a key signs in this system is the JCS of a JSON object,
 * so the phone and the server rebuild the same bytes. JCS serialises strings and numbers exactly as
 * ECMAScript's JSON.stringify does (RFC 8785 §3.2.2) and sorts object members by their UTF-16 code units
 * (§3.2.3), which is what the default string comparison of Array.prototype.sort does.
 */
export class CanonicalizationError extends Error {
  override name = 'CanonicalizationError';
}

/** A lone surrogate: not a Unicode character, so it has no UTF-8 bytes and no canonical form (RFC 8785 §3.2.2.2). */
const LONE_SURROGATE = /\p{Cs}/u;

function canonicalString(text: string): string {
  if (LONE_SURROGATE.test(text)) throw new CanonicalizationError('JCS cannot represent a lone surrogate');
  return JSON.stringify(text);
}

export function canonicalize(value: unknown): string {
  if (typeof value === 'string') return canonicalString(value);
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new CanonicalizationError('JCS cannot represent NaN or Infinity');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalize(item)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${canonicalString(k)}:${canonicalize(v)}`).join(',')}}`;
  }
  throw new CanonicalizationError(`JCS cannot represent a ${typeof value}`);
}

/**
 * Whether a value holds a lone surrogate anywhere, in a string or a member name. Iterative: a request body
 * nested 10,000 deep must not overflow the stack.
 */
export function hasLoneSurrogate(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (LONE_SURROGATE.test(next)) return true;
    } else if (Array.isArray(next)) {
      pending.push(...next);
    } else if (next !== null && typeof next === 'object') {
      for (const [key, member] of Object.entries(next)) {
        if (LONE_SURROGATE.test(key)) return true;
        pending.push(member);
      }
    }
  }
  return false;
}

/** The UTF-8 bytes of the canonical form: what is signed and verified. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), 'utf8');
}
