/**
 * JSON Canonicalization Scheme (RFC 8785). Whatever a key signs in this system is the JCS of a JSON object,
 * so the phone and the server rebuild the same bytes. JCS serialises strings and numbers exactly as
 * ECMAScript's JSON.stringify does (RFC 8785 §3.2.2) and sorts object members by their UTF-16 code units
 * (§3.2.3), which is what the default string comparison of Array.prototype.sort does.
 */
export class CanonicalizationError extends Error {
  override name = 'CanonicalizationError';
}

export function canonicalize(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new CanonicalizationError('JCS cannot represent NaN or Infinity');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalize(item)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalize(v)}`).join(',')}}`;
  }
  throw new CanonicalizationError(`JCS cannot represent a ${typeof value}`);
}

/** The UTF-8 bytes of the canonical form: what is signed and verified. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), 'utf8');
}
