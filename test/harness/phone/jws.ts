import { type KeyObject, sign } from 'node:crypto';
import { canonicalBytes } from '#functions/shared/jcs';

/**
 * JWS compact serialisation with ES256 (RFC 7515, RFC 7518 §3.4): the payload is the JCS of the object, the
 * signature the 64-byte r‖s of ECDSA P-256 over `base64url(header).base64url(payload)`.
 */
export function signJws(privateKey: KeyObject, payload: object, header: Record<string, string> = {}): string {
  const protectedHeader = canonicalBytes({ alg: 'ES256', ...header }).toString('base64url');
  const body = canonicalBytes(payload).toString('base64url');
  const input = `${protectedHeader}.${body}`;
  const signature = sign('sha256', Buffer.from(input, 'ascii'), {
    key: privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${input}.${signature.toString('base64url')}`;
}
