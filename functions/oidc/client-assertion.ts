import { constants, createPublicKey, verify } from 'node:crypto';
import type { PublicJwk } from './relying-party.ts';

/**
 * `private_key_jwt` client authentication (RFC 7523 §3, OIDC Core §9): a JWT signed by one of the
 * client's registered keys, with `iss` and `sub` the client id, `aud` the token endpoint, a `jti` that is
 * used once (the caller consumes it) and an `exp` at most a few minutes ahead.
 */
export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const ASSERTION_ALGORITHMS = ['ES256', 'PS256', 'RS256'] as const;
/** The longest an assertion may be valid for, counted from now. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 5 * 60;
const SKEW_SECONDS = 30;
const MAX_ASSERTION_LENGTH = 8192;

export class AssertionError extends Error {
  override name = 'AssertionError';
}

export interface ParsedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

/** Splits and decodes a compact JWS whose payload is a JSON object; nothing is verified yet. */
export function parseJwt(jwt: string): ParsedJwt {
  if (jwt.length > MAX_ASSERTION_LENGTH) throw new AssertionError('the assertion is too long');
  const parts = jwt.split('.');
  if (parts.length !== 3 || !parts.every((part) => /^[A-Za-z0-9_-]+$/.test(part)))
    throw new AssertionError('the assertion is not a compact JWS');
  const [h, p, s] = parts as [string, string, string];
  const object = (part: string) => {
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(part, 'base64url')));
    } catch {
      throw new AssertionError('the assertion is not JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new AssertionError('the assertion is not a JSON object');
    return value as Record<string, unknown>;
  };
  return {
    header: object(h),
    payload: object(p),
    signingInput: `${h}.${p}`,
    signature: Buffer.from(s, 'base64url'),
  };
}

function fits(jwk: PublicJwk, alg: string): boolean {
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  return alg === 'ES256' ? jwk.kty === 'EC' && jwk.crv === 'P-256' : jwk.kty === 'RSA';
}

function verifiesWith(jwk: PublicJwk, alg: string, input: Buffer, signature: Buffer): boolean {
  try {
    const key = createPublicKey({ key: { ...jwk }, format: 'jwk' });
    if (alg === 'ES256')
      return (
        signature.length === 64 && verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature)
      );
    if (alg === 'PS256')
      return verify(
        'sha256',
        input,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
        signature,
      );
    return verify('sha256', input, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
}

/**
 * Checks the signature against the client's keys: the key named by `kid` when the header names one, else
 * every key that fits the algorithm. Only ES256, PS256 and RS256; never `none` or a MAC.
 */
export function verifyAssertionSignature(jwt: ParsedJwt, keys: readonly PublicJwk[]): void {
  const { alg, kid, crit } = jwt.header;
  if (typeof alg !== 'string' || !(ASSERTION_ALGORITHMS as readonly string[]).includes(alg))
    throw new AssertionError('the assertion algorithm is not accepted');
  if (crit !== undefined) throw new AssertionError('no critical header parameter is understood');
  const candidates = keys.filter((key) => fits(key, alg) && (kid === undefined || key.kid === kid));
  if (candidates.length === 0) throw new AssertionError('no registered key fits the assertion');
  const input = Buffer.from(jwt.signingInput, 'ascii');
  if (!candidates.some((key) => verifiesWith(key, alg, input, jwt.signature)))
    throw new AssertionError('the assertion signature does not verify');
}

/** The client id an assertion claims to come from (its `iss`), before anything is verified. */
export function assertedClient(jwt: ParsedJwt): string {
  const { iss } = jwt.payload;
  if (typeof iss !== 'string' || iss.length === 0 || iss.length > 256)
    throw new AssertionError('the assertion has no issuer');
  return iss;
}

/** Checks the claims of a signed assertion; answers its `jti` and until when it must be remembered. */
export function checkAssertionClaims(
  jwt: ParsedJwt,
  expected: { clientId: string; tokenEndpoint: string; now: Date },
): { jti: string; expiresAt: Date } {
  const { iss, sub, aud, exp, nbf, iat, jti } = jwt.payload;
  const now = Math.floor(expected.now.getTime() / 1000);
  if (iss !== expected.clientId || sub !== expected.clientId)
    throw new AssertionError('iss and sub must be the client id');
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (audiences.length !== 1 || audiences[0] !== expected.tokenEndpoint)
    throw new AssertionError('aud must be the token endpoint');
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new AssertionError('exp is required');
  if (exp <= now - SKEW_SECONDS) throw new AssertionError('the assertion has expired');
  if (exp > now + MAX_ASSERTION_LIFETIME_SECONDS + SKEW_SECONDS)
    throw new AssertionError('the assertion is valid for too long');
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + SKEW_SECONDS))
    throw new AssertionError('the assertion is not valid yet');
  if (iat !== undefined && (typeof iat !== 'number' || iat > now + SKEW_SECONDS))
    throw new AssertionError('the assertion was issued in the future');
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256)
    throw new AssertionError('jti is required');
  return { jti, expiresAt: new Date((Math.max(exp, now) + SKEW_SECONDS) * 1000) };
}
