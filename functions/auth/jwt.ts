import { createHash, createPublicKey, type KeyObject, randomUUID, sign, verify } from 'node:crypto';
import { canonicalBytes } from '../shared/jcs.ts';

/**
 * Access tokens (design.md §3.1): JWT with ES256, `kid` in the header, 15 minutes. The private key is
 * given to the signing functions here as a key object (`adapters/token-keys.ts` keeps it, unwrapped from
 * KMS once per container), so this module knows nothing of KMS.
 */
export const TOKEN_TTL_SECONDS = 15 * 60;
/** Tolerated clock difference when checking `iat`/`nbf`. */
const SKEW_SECONDS = 60;

export interface TokenClaims {
  iss: string;
  aud: string;
  sub: string;
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
  /**
   * The account's token generation when the token was issued. A recovery (design.md §3.9) raises the
   * account's generation, and every token of an older one is refused from then on. Absent: generation 0.
   */
  gen?: number;
  /**
   * The resident's municipality when the token was issued (6-digit code and name), so that the inbox needs
   * no account read; at most 15 minutes old, like the token.
   */
  municipality?: TokenMunicipality;
}

export interface TokenMunicipality {
  code: string;
  name: string;
}

/** A verification key as published in the JWKS. */
export interface VerificationKey {
  kid: string;
  key: KeyObject;
  jwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string; kid: string; use: 'sig'; alg: 'ES256' };
}

export class TokenError extends Error {
  override name = 'TokenError';
}

/** RFC 7638 thumbprint of a P-256 public key: the key id tokens name. */
export function thumbprint(jwk: { crv: string; kty: string; x: string; y: string }): string {
  return createHash('sha256')
    .update(canonicalBytes({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))
    .digest('base64url');
}

/** A verification key from a DER SubjectPublicKeyInfo (what KMS GetPublicKey returns). */
export function verificationKey(spki: Uint8Array): VerificationKey {
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  const { kty, crv, x, y } = key.export({ format: 'jwk' });
  if (kty !== 'EC' || crv !== 'P-256' || !x || !y) throw new TokenError('token keys must be P-256');
  const kid = thumbprint({ kty, crv, x, y });
  return { kid, key, jwk: { kty: 'EC', crv: 'P-256', x, y, kid, use: 'sig', alg: 'ES256' } };
}

const b64json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A compact JWS (RFC 7515) with ES256: the JOSE header and payload as JSON, the signature as the 64-byte
 * r‖s of RFC 7518 §3.4. The header's `alg` is always ES256, whatever the caller passes.
 */
export function signCompact(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  privateKey: KeyObject,
): string {
  const { alg: _alg, ...rest } = header;
  const input = `${b64json({ alg: 'ES256', ...rest })}.${b64json(payload)}`;
  const signature = sign('sha256', Buffer.from(input, 'ascii'), {
    key: privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  // Written one way only: the low-S form (verifiers refuse the high-S twin).
  return `${input}.${lowS(signature).toString('base64url')}`;
}

/** The order n of P-256, and n/2: an ECDSA signature (r, s) verifies as (r, n − s) too. */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P256_HALF_ORDER = P256_ORDER >> 1n;

const sOf = (signature: Uint8Array) => BigInt(`0x${Buffer.from(signature.subarray(32, 64)).toString('hex')}`);

/** Whether a 64-byte r‖s signature has the low S of the pair, the only form tokens may carry. */
export function isLowS(signature: Uint8Array): boolean {
  return signature.length === 64 && sOf(signature) <= P256_HALF_ORDER;
}

/**
 * The low-S form of a 64-byte r‖s signature (s > n/2 becomes n − s): the same signature, written one way
 * only, so that a token string is unique and its "twin" with the other S is refused.
 */
export function lowS(signature: Uint8Array): Buffer {
  const out = Buffer.from(signature);
  const s = sOf(signature);
  if (s > P256_HALF_ORDER) Buffer.from((P256_ORDER - s).toString(16).padStart(64, '0'), 'hex').copy(out, 32);
  return out;
}

/**
 * DER ECDSA-Sig-Value (what KMS returns) to the 64-byte r‖s of JWS (RFC 7518 §3.4), in its low-S form
 * (KMS signs with either S).
 */
export function derToJose(der: Uint8Array): Buffer {
  const b = Buffer.from(der);
  if (b[0] !== 0x30) throw new TokenError('not a DER ECDSA signature');
  let offset = b[1] === 0x81 ? 3 : 2;
  const out = Buffer.alloc(64);
  for (let i = 0; i < 2; i++) {
    if (b[offset] !== 0x02) throw new TokenError('not a DER ECDSA signature');
    const length = b[offset + 1] as number;
    let value = b.subarray(offset + 2, offset + 2 + length);
    while (value.length > 32 && value[0] === 0) value = value.subarray(1);
    if (value.length > 32) throw new TokenError('ECDSA integer too long');
    value.copy(out, i * 32 + (32 - value.length));
    offset += 2 + length;
  }
  return lowS(out);
}

/** The claims of a fresh access token for `subject`, valid for 15 minutes from `now`. */
export function accessTokenClaims(
  subject: string,
  context: {
    issuer: string;
    audience: string;
    now: Date;
    /** The account's token generation (see `TokenClaims.gen`). */
    generation: number;
    municipality?: TokenMunicipality;
  },
): TokenClaims {
  const iat = Math.floor(context.now.getTime() / 1000);
  return {
    iss: context.issuer,
    aud: context.audience,
    sub: subject,
    iat,
    nbf: iat,
    exp: iat + TOKEN_TTL_SECONDS,
    jti: randomUUID(),
    gen: context.generation,
    ...(context.municipality
      ? { municipality: { code: context.municipality.code, name: context.municipality.name } }
      : {}),
  };
}

/** Signs an access token with the given private key under its `kid`. */
export function issueToken(
  subject: string,
  context: {
    issuer: string;
    audience: string;
    kid: string;
    now: Date;
    generation: number;
    privateKey: KeyObject;
    municipality?: TokenMunicipality;
  },
): { token: string; claims: TokenClaims } {
  const claims = accessTokenClaims(subject, context);
  const token = signCompact({ typ: 'JWT', kid: context.kid }, { ...claims }, context.privateKey);
  return { token, claims };
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Verifies a token: exactly ES256 (no `none`, no HMAC), a `kid` among the published keys, a valid low-S
 * signature (the form we issue; the high-S twin of a token is refused, so a token has one string), the
 * expected issuer and audience, and `iat`, `nbf` and `exp` that contain now. Throws TokenError.
 */
export function verifyToken(
  token: string,
  context: {
    issuer: string;
    audience: string;
    keys: ReadonlyMap<string, VerificationKey>;
    now: Date;
    /** When given, the header's `typ` must be exactly this (e.g. `at+jwt`, RFC 9068). */
    typ?: string;
    /** Longest accepted `exp − iat`; the access tokens' 15 minutes by default. */
    maxLifetimeSeconds?: number;
  },
): TokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => B64URL.test(p))) throw new TokenError('not a compact JWS');
  const [h, p, s] = parts as [string, string, string];
  let header: { alg?: unknown; kid?: unknown; crit?: unknown; typ?: unknown };
  let claims: Partial<TokenClaims>;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError('not JSON');
  }
  if (typeof header !== 'object' || header === null || typeof claims !== 'object' || claims === null)
    throw new TokenError('header and claims must be JSON objects');
  if (header.alg !== 'ES256') throw new TokenError('alg must be ES256');
  if (header.crit !== undefined) throw new TokenError('no critical header parameters are understood');
  if (context.typ !== undefined && header.typ !== context.typ) throw new TokenError('wrong typ');
  const key = typeof header.kid === 'string' ? context.keys.get(header.kid) : undefined;
  if (!key) throw new TokenError('unknown kid');
  const signature = Buffer.from(s, 'base64url');
  if (signature.length !== 64) throw new TokenError('bad signature length');
  if (!isLowS(signature)) throw new TokenError('high-S signature');
  if (
    !verify(
      'sha256',
      Buffer.from(`${h}.${p}`, 'ascii'),
      { key: key.key, dsaEncoding: 'ieee-p1363' },
      signature,
    )
  ) {
    throw new TokenError('bad signature');
  }
  const now = Math.floor(context.now.getTime() / 1000);
  if (claims.iss !== context.issuer || claims.aud !== context.audience)
    throw new TokenError('wrong issuer or audience');
  if (typeof claims.sub !== 'string' || claims.sub.length === 0) throw new TokenError('no subject');
  if (typeof claims.exp !== 'number' || claims.exp <= now) throw new TokenError('expired');
  if (typeof claims.nbf !== 'number') throw new TokenError('no nbf');
  if (claims.nbf > now + SKEW_SECONDS) throw new TokenError('not yet valid');
  if (typeof claims.iat !== 'number' || claims.iat > now + SKEW_SECONDS)
    throw new TokenError('issued in the future');
  if (claims.exp - claims.iat > (context.maxLifetimeSeconds ?? TOKEN_TTL_SECONDS))
    throw new TokenError('lifetime too long');
  if (claims.gen !== undefined && !(Number.isSafeInteger(claims.gen) && claims.gen >= 0))
    throw new TokenError('bad generation');
  const m = claims.municipality;
  if (
    m !== undefined &&
    (typeof m !== 'object' ||
      m === null ||
      typeof m.code !== 'string' ||
      !/^\d{6}$/.test(m.code) ||
      typeof m.name !== 'string')
  )
    throw new TokenError('malformed municipality');
  return claims as TokenClaims;
}
