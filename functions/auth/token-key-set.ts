import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { TOKEN_TTL_SECONDS, type VerificationKey, verificationKey } from './jwt.ts';

/**
 * The token-signing keys (design.md §3.1, §7). KMS's asymmetric `Sign` is limited to a few hundred
 * requests a second per account, far below the logins of a disaster, so tokens are signed in memory by a
 * P-256 key pair whose private key exists at rest only wrapped by KMS (`Encrypt` under the symmetric token
 * key, with an encryption context naming its purpose and kid) and is unwrapped with one `Decrypt` per
 * signing container.
 *
 * The set is deployment configuration: the custom resource keeps it in the table and hands it to the
 * functions' environment at each deployment (public keys to every verifier, the wrapped signing key to
 * the signers), so verifying a token never calls AWS. Because functions take a new environment one by one
 * during a deployment, the key that will sign next is published a rotation ahead: the JWKS holds the
 * signing key, the next one and, after a rotation, the previous one (whose tokens live on for 15 minutes).
 * A rotation makes the next key sign, keeps the old signer as the previous key and makes a new next key.
 */
export interface StoredTokenKey {
  /** RFC 7638 thumbprint of the public key: the `kid` of its tokens. */
  kid: string;
  /** DER SubjectPublicKeyInfo, base64url. */
  publicKey: string;
  /** The PKCS#8 private key as KMS ciphertext (base64); never stored or logged in any other form. */
  wrappedPrivateKey: string;
  createdAt: string;
}

export interface TokenKeySet {
  signer: StoredTokenKey;
  /** Published now, signs after the next rotation. */
  next: StoredTokenKey;
  /** The signer before the last rotation, published until the rotation after. */
  previous?: StoredTokenKey;
  rotatedAt: string;
}

/** What every verifier gets in its environment (`XID_TOKEN_KEYS`): the published keys, the signer first. */
export type PublishedKey = Pick<StoredTokenKey, 'kid' | 'publicKey'>;
/** What a signer gets in its environment (`XID_TOKEN_SIGNING_KEY`): the signer, still wrapped. */
export type SigningKey = Pick<StoredTokenKey, 'kid' | 'publicKey' | 'wrappedPrivateKey'>;

/**
 * Two rotations at least this far apart: the previous key must outlive every token its signer made, and
 * the deployment that carries a rotation to every function takes a while too.
 */
export const MIN_ROTATION_INTERVAL_SECONDS = 2 * TOKEN_TTL_SECONDS;

/** The `purpose` of the token keys' KMS encryption context (IAM conditions name it too). */
export const TOKEN_KEY_PURPOSE = 'xid-token-signing';
/** The KMS encryption context a wrapped private key is bound to: it cannot be unwrapped as anything else. */
export const tokenKeyContext = (kid: string) => ({ purpose: TOKEN_KEY_PURPOSE, kid });

export class TokenKeyError extends Error {
  override name = 'TokenKeyError';
}

/** A fresh P-256 key pair: the public key as SPKI, the private key as PKCS#8 DER (to be wrapped, then wiped). */
export function newTokenKeyPair(): { verification: VerificationKey; publicKey: Buffer; privateKey: Buffer } {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicKey = pair.publicKey.export({ format: 'der', type: 'spki' });
  return {
    verification: verificationKey(publicKey),
    publicKey,
    privateKey: pair.privateKey.export({ format: 'der', type: 'pkcs8' }),
  };
}

/** The first set of a stage: one key signs, the next is published already. */
export function initialSet(signer: StoredTokenKey, next: StoredTokenKey, now: Date): TokenKeySet {
  return { signer, next, rotatedAt: now.toISOString() };
}

/**
 * The set after a rotation: the next key signs, the old signer stays published as the previous key, a new
 * key is the next one, and the old previous key is dropped. Refused (`TokenKeyError`) sooner than
 * `MIN_ROTATION_INTERVAL_SECONDS` after the last rotation.
 */
export function rotated(set: TokenKeySet, fresh: StoredTokenKey, now: Date): TokenKeySet {
  const since = (now.getTime() - Date.parse(set.rotatedAt)) / 1000;
  if (since < MIN_ROTATION_INTERVAL_SECONDS) {
    throw new TokenKeyError(
      `the token keys were rotated ${Math.floor(since)} s ago; rotate again after ${MIN_ROTATION_INTERVAL_SECONDS} s`,
    );
  }
  return { signer: set.next, next: fresh, previous: set.signer, rotatedAt: now.toISOString() };
}

/** The published keys of a set: signer, next, previous. */
export function publishedKeysOf(set: TokenKeySet): PublishedKey[] {
  return [set.signer, set.next, ...(set.previous ? [set.previous] : [])].map(({ kid, publicKey }) => ({
    kid,
    publicKey,
  }));
}

export function signingKeyOf(set: TokenKeySet): SigningKey {
  const { kid, publicKey, wrappedPrivateKey } = set.signer;
  return { kid, publicKey, wrappedPrivateKey };
}

/** Verification keys from their published form, each checked against its kid; throws `TokenKeyError`. */
export function verificationKeysOf(published: PublishedKey[]): VerificationKey[] {
  if (!Array.isArray(published) || published.length === 0)
    throw new TokenKeyError('no token keys are published');
  return published.map((entry) => {
    const key = verificationKey(Buffer.from(entry.publicKey, 'base64url'));
    if (key.kid !== entry.kid) throw new TokenKeyError('a published kid does not match its public key');
    return key;
  });
}

/**
 * The private key object from the unwrapped PKCS#8 bytes, checked to belong to the signing key's public
 * key (a swapped ciphertext cannot sign under another kid); the bytes are wiped.
 */
export function privateKeyOf(signing: Pick<StoredTokenKey, 'kid'>, pkcs8: Buffer): KeyObject {
  try {
    const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    const derived = verificationKey(createPublicKey(key).export({ format: 'der', type: 'spki' }));
    if (derived.kid !== signing.kid) throw new TokenKeyError('the unwrapped key does not match its kid');
    return key;
  } finally {
    pkcs8.fill(0);
  }
}
