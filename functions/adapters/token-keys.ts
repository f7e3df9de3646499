import { GetPublicKeyCommand, SignCommand } from '@aws-sdk/client-kms';
import {
  issueToken,
  type SignRaw,
  signJwt,
  type TokenClaims,
  type VerificationKey,
  verificationKey,
  verifyToken,
} from '../auth/jwt.ts';
import { kms } from '../shared/clients.ts';
import { listOf, required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';

/**
 * The token keys in KMS. `XID_TOKEN_KEY_ID` lists key ARNs, comma-separated: the first signs, all are
 * published in the JWKS and accepted, so a new key can be added (and published) before it starts signing
 * and an old one kept until its last tokens expire. Public keys are fetched once per warm container.
 */
let keys: Promise<Map<string, VerificationKey>> | undefined;
let signerKid: string | undefined;

function keyIds(): string[] {
  return listOf(required(ENV.tokenKeyId));
}

export function tokenAudience() {
  const stage = required(ENV.stage);
  return { issuer: `urn:xid:${stage}`, audience: `urn:xid:${stage}:api` };
}

/** The published keys by kid (memoised; a failed fetch is retried on the next call). */
export function verificationKeys(): Promise<Map<string, VerificationKey>> {
  keys ??= (async () => {
    const ids = keyIds();
    const published = await Promise.all(
      ids.map(async (KeyId) => {
        const { PublicKey } = await kms().send(new GetPublicKeyCommand({ KeyId }));
        if (!PublicKey) throw new Error('KMS returned no public key');
        return verificationKey(PublicKey);
      }),
    );
    signerKid = published[0]?.kid;
    return new Map(published.map((k) => [k.kid, k]));
  })().catch((error: unknown) => {
    keys = undefined;
    throw error;
  });
  return keys;
}

/** The active key's id and a signer of raw messages in KMS (`MessageType: RAW`). */
async function signer(): Promise<{ kid: string; signRaw: SignRaw }> {
  await verificationKeys();
  const [KeyId] = keyIds();
  return {
    kid: signerKid as string,
    signRaw: async (message) => {
      const { Signature } = await kms().send(
        new SignCommand({ KeyId, Message: message, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }),
      );
      if (!Signature) throw new Error('KMS returned no signature');
      return Signature;
    },
  };
}

/** A fresh access token for an account at its token generation, signed in KMS with `MessageType: RAW`. */
export async function mintToken(
  accountId: string,
  generation: number,
  now = new Date(),
): Promise<{ token: string; claims: TokenClaims }> {
  return issueToken(accountId, { ...tokenAudience(), now, generation, ...(await signer()) });
}

/** Any other JWT the service issues with the same key and JWKS (OpenID Connect ID and access tokens). */
export async function signClaims(typ: string, claims: object): Promise<string> {
  return signJwt(claims, { typ, ...(await signer()) });
}

/** Verifies a token of another audience and `typ` against the published keys (userinfo access tokens). */
export async function checkTokenFor(
  token: string,
  expected: { issuer: string; audience: string; typ: string; maxLifetimeSeconds: number },
  now = new Date(),
): Promise<TokenClaims> {
  return verifyToken(token, { ...expected, keys: await verificationKeys(), now });
}

/** Verifies a bearer token against the published keys. */
export async function checkToken(token: string, now = new Date()): Promise<TokenClaims> {
  return verifyToken(token, { ...tokenAudience(), keys: await verificationKeys(), now });
}
