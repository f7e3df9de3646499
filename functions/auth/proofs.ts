import { createPublicKey, verify } from 'node:crypto';
import { canonicalize } from '../shared/jcs.ts';
import { lowS } from './jwt.ts';

/**
 * Device-key proofs (design.md §3.1, §3.3): a JWS compact serialisation, `alg: ES256`, whose payload is the
 * JCS of an expected object, signed by one of the account's device keys. The server rebuilds the object
 * from its own state and compares bytes, so a proof cannot be bent to another purpose. Phones sign with
 * either S (iOS and Android do not normalise), so the signature is normalised to low S before it is
 * verified: the two forms are one proof, and what makes a proof single use is its challenge or nonce,
 * never the proof's string.
 */
export function verifyProof(
  jws: string,
  expected: object,
  publicJwk: { kty: string; crv: string; x: string; y: string },
): boolean {
  const parts = jws.split('.');
  if (parts.length !== 3 || !parts.every((part) => /^[A-Za-z0-9_-]+$/.test(part))) return false;
  const [h, p, s] = parts as [string, string, string];
  try {
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as {
      alg?: unknown;
      crit?: unknown;
    };
    if (header.alg !== 'ES256' || header.crit !== undefined) return false;
    if (Buffer.from(p, 'base64url').toString('utf8') !== canonicalize(expected)) return false;
    const raw = Buffer.from(s, 'base64url');
    if (raw.length !== 64) return false;
    const signature = lowS(raw);
    const key = createPublicKey({ key: publicJwk, format: 'jwk' });
    return verify('sha256', Buffer.from(`${h}.${p}`, 'ascii'), { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

/**
 * The object a proof claims to sign (its payload, parsed), or undefined when it is not a compact JWS with a
 * JSON object payload. Nothing in it is trusted: it only says which account and nonce to check the proof for.
 */
export function proofPayload(jws: string): Record<string, unknown> | undefined {
  const parts = jws.split('.');
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[1] as string)) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8'));
    return payload !== null && typeof payload === 'object' && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
