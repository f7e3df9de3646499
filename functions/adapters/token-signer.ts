import type { KeyObject } from 'node:crypto';
import { issueToken, signCompact, type TokenClaims, type TokenMunicipality } from '../auth/jwt.ts';
import { privateKeyOf, type SigningKey, tokenKeyContext } from '../auth/token-key-set.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { tokenAudience } from './token-keys.ts';
import { unwrapOnce } from './wrapped-keys.ts';

/**
 * The small signing interface every token issuer uses: access tokens here, and the ID tokens of Sign in
 * with xID, whose keys are the same JWKS (`publishedKeys` in token-keys.ts).
 *
 * - `signJwt(header, claims)`: a compact JWS, ES256, under the signing key's `kid` (the header's `alg` and
 *   `kid` are set here; `typ` and anything else are the caller's).
 * - `mintToken(accountId)`: an access token.
 *
 * The signing key comes wrapped in `XID_TOKEN_SIGNING_KEY`; its private half is unwrapped with one KMS
 * `Decrypt` per container (`wrapped-keys.ts`) and signs in memory from then on, so a warm login or
 * activation makes no KMS call. The private key is never logged or written anywhere.
 */
let signing: SigningKey | undefined;

async function signingKey(): Promise<{ kid: string; privateKey: KeyObject }> {
  signing ??= JSON.parse(required(ENV.tokenSigningKey)) as SigningKey;
  const stored = signing;
  const privateKey = await unwrapOnce(
    required(ENV.tokenKeyId),
    stored.wrappedPrivateKey,
    tokenKeyContext(stored.kid),
    (pkcs8) => privateKeyOf(stored, pkcs8),
  );
  return { kid: stored.kid, privateKey };
}

/** A compact JWS (ES256) over `claims` by the signing key. */
export async function signJwt(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
): Promise<string> {
  const { kid, privateKey } = await signingKey();
  return signCompact({ ...header, kid }, claims, privateKey);
}

/** A fresh access token for an account at its token generation (naming its municipality), signed in memory. */
export async function mintToken(
  accountId: string,
  generation: number,
  municipality?: TokenMunicipality,
  now = new Date(),
): Promise<{ token: string; claims: TokenClaims }> {
  const { kid, privateKey } = await signingKey();
  return issueToken(accountId, { ...tokenAudience(), kid, now, generation, privateKey, municipality });
}
