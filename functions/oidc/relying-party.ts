import { type ClaimName, isClaim, orderedClaims } from './claims.ts';

/**
 * A relying party (design.md §3.13): a municipal service onboarded with `npm run client -- register`. It
 * authenticates with `private_key_jwt` using the public keys given here (inline, or at a JWKS URI it
 * serves), may only send residents back to the exact redirect URIs listed, and may only ask for the claims
 * listed. Its `sector` decides the pairwise `sub`: relying parties of one sector see the same `sub`.
 */
export interface PublicJwk {
  kty: string;
  kid?: string;
  use?: string;
  alg?: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

export interface RelyingParty {
  clientId: string;
  name: string;
  redirectUris: string[];
  jwks?: { keys: PublicJwk[] };
  jwksUri?: string;
  sector: string;
  claims: ClaimName[];
  createdAt: string;
  updatedAt?: string;
}

/** What an operator gives at registration (and, partly, at update). */
export interface RelyingPartyInput {
  name: string;
  redirectUris: string[];
  jwks?: unknown;
  jwksUri?: string;
  sector: string;
  claims: string[];
}

export class RelyingPartyError extends Error {
  override name = 'RelyingPartyError';
}

const MAX_REDIRECT_URIS = 10;
const MAX_KEYS = 10;
const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
/** Members that only a private key has (RFC 7518 §6.2.2, §6.3.2): never accepted. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * An absolute `https` URL without fragment or user information; `http` only on a loopback host, and only
 * where `allowLoopback` (development stages) says so.
 */
export function checkUrl(value: string, what: string, allowLoopback: boolean): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RelyingPartyError(`${what} is not an absolute URL: ${value}`);
  }
  if (url.hash || value.includes('#')) throw new RelyingPartyError(`${what} may not have a fragment`);
  if (url.username || url.password) throw new RelyingPartyError(`${what} may not carry user information`);
  const loopbackHttp = url.protocol === 'http:' && LOOPBACK.has(url.hostname);
  if (url.protocol !== 'https:' && !(loopbackHttp && allowLoopback)) {
    throw new RelyingPartyError(
      `${what} must use https${allowLoopback ? ' (or http on 127.0.0.1, [::1] or localhost)' : ''}`,
    );
  }
  return value;
}

/** The sector identifier: a host name, given bare or as an https URL (its host is taken, OIDC Core §8.1). */
export function sectorOf(value: string): string {
  const host = /^https:\/\//i.test(value) ? safeHost(value) : value.trim().toLowerCase();
  if (!host || !HOSTNAME.test(host))
    throw new RelyingPartyError(`the sector identifier must be a host name, e.g. city.example.lg.jp`);
  return host;
}

function safeHost(value: string): string | undefined {
  try {
    return new URL(value).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** A public signing key a client may use: EC P-256 or RSA of 2048 bits or more, never private material. */
export function checkJwk(jwk: unknown, index: number): PublicJwk {
  const where = `key ${index + 1}`;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
    throw new RelyingPartyError(`${where} is not a JSON object`);
  const key = jwk as Record<string, unknown>;
  if (PRIVATE_MEMBERS.some((member) => member in key))
    throw new RelyingPartyError(`${where} holds private key material; register the public key only`);
  if (key.use !== undefined && key.use !== 'sig')
    throw new RelyingPartyError(`${where} is not a signing key`);
  if (key.kid !== undefined && (typeof key.kid !== 'string' || key.kid.length === 0 || key.kid.length > 256))
    throw new RelyingPartyError(`${where} has an invalid kid`);
  const b64 = (name: string) => typeof key[name] === 'string' && /^[A-Za-z0-9_-]+$/.test(key[name] as string);
  if (key.kty === 'EC') {
    if (key.crv !== 'P-256' || !b64('x') || !b64('y'))
      throw new RelyingPartyError(`${where}: EC keys must be P-256 with x and y`);
    if (key.alg !== undefined && key.alg !== 'ES256')
      throw new RelyingPartyError(`${where}: alg must be ES256`);
    return pick(key, ['kty', 'kid', 'use', 'alg', 'crv', 'x', 'y']);
  }
  if (key.kty === 'RSA') {
    if (!b64('n') || !b64('e')) throw new RelyingPartyError(`${where}: RSA keys need n and e`);
    const bits = Buffer.from(key.n as string, 'base64url').length * 8;
    if (bits < 2048) throw new RelyingPartyError(`${where}: RSA keys must have at least 2048 bits`);
    if (key.alg !== undefined && key.alg !== 'RS256' && key.alg !== 'PS256')
      throw new RelyingPartyError(`${where}: alg must be RS256 or PS256`);
    return pick(key, ['kty', 'kid', 'use', 'alg', 'n', 'e']);
  }
  throw new RelyingPartyError(`${where}: kty must be EC or RSA`);
}

function pick(key: Record<string, unknown>, names: string[]): PublicJwk {
  const out: Record<string, unknown> = {};
  for (const name of names) if (key[name] !== undefined) out[name] = key[name];
  return out as unknown as PublicJwk;
}

/** A JWK Set of 1 to 10 public signing keys, with distinct `kid`s where given. */
export function checkJwks(value: unknown): { keys: PublicJwk[] } {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_KEYS)
    throw new RelyingPartyError(`the JWK Set must have 1 to ${MAX_KEYS} keys in "keys"`);
  const checked = keys.map(checkJwk);
  const kids = checked.map((k) => k.kid).filter((kid) => kid !== undefined);
  if (new Set(kids).size !== kids.length) throw new RelyingPartyError('two keys share a kid');
  return { keys: checked };
}

/** Checks a complete registration; the result is what is stored (without id and times). */
export function checkRelyingParty(
  input: RelyingPartyInput,
  allowLoopback: boolean,
): Omit<RelyingParty, 'clientId' | 'createdAt'> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 100 || /\p{Cc}/u.test(name))
    throw new RelyingPartyError('the name must be 1 to 100 characters, without control characters');
  if (input.redirectUris.length === 0 || input.redirectUris.length > MAX_REDIRECT_URIS)
    throw new RelyingPartyError(`give 1 to ${MAX_REDIRECT_URIS} redirect URIs`);
  const redirectUris = input.redirectUris.map((uri) => checkUrl(uri, 'a redirect URI', allowLoopback));
  if (new Set(redirectUris).size !== redirectUris.length)
    throw new RelyingPartyError('a redirect URI is listed twice');
  if ((input.jwks === undefined) === (input.jwksUri === undefined))
    throw new RelyingPartyError('give exactly one of a JWK Set and a JWKS URI');
  const unknown = input.claims.find((claim) => !isClaim(claim));
  if (unknown !== undefined) throw new RelyingPartyError(`unknown claim "${unknown}"`);
  return {
    name,
    redirectUris,
    ...(input.jwks !== undefined ? { jwks: checkJwks(input.jwks) } : {}),
    ...(input.jwksUri !== undefined
      ? { jwksUri: checkUrl(input.jwksUri, 'the JWKS URI', allowLoopback) }
      : {}),
    sector: sectorOf(input.sector),
    claims: orderedClaims(input.claims),
  };
}
