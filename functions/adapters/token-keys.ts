import { type TokenClaims, type VerificationKey, verifyToken } from '../auth/jwt.ts';
import { type PublishedKey, verificationKeysOf } from '../auth/token-key-set.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';

/**
 * The token keys as verifiers see them (the authorizer, every resident route, the JWKS): the published
 * public keys, which the deployment puts in `XID_TOKEN_KEYS` (token-key-set.ts), parsed once per
 * container. Verifying a token calls no AWS service, cold or warm; `token-signer.ts` signs.
 */
let keys: { published: VerificationKey[]; byKid: Map<string, VerificationKey> } | undefined;

function loaded() {
  if (!keys) {
    const published = verificationKeysOf(JSON.parse(required(ENV.tokenKeys)) as PublishedKey[]);
    keys = { published, byKid: new Map(published.map((k) => [k.kid, k])) };
  }
  return keys;
}

export function tokenAudience() {
  const stage = required(ENV.stage);
  return { issuer: `urn:xid:${stage}`, audience: `urn:xid:${stage}:api` };
}

/** The keys the JWKS publishes: the signing one first, then the next and the previous one. */
export async function publishedKeys(): Promise<VerificationKey[]> {
  return loaded().published;
}

/** Verifies a token of another audience and `typ` against the published keys (userinfo access tokens). */
export async function checkTokenFor(
  token: string,
  expected: { issuer: string; audience: string; typ: string; maxLifetimeSeconds: number },
  now = new Date(),
): Promise<TokenClaims> {
  return verifyToken(token, { ...expected, keys: loaded().byKid, now });
}

/** Verifies a bearer token against the published keys (throws `TokenError`). */
export async function checkToken(token: string, now = new Date()): Promise<TokenClaims> {
  return verifyToken(token, { ...tokenAudience(), keys: loaded().byKid, now });
}
