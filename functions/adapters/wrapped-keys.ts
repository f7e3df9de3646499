import { DecryptCommand, EncryptCommand, kmsClient } from './kms-client.ts';

/**
 * Keys wrapped by KMS, unwrapped once per container: secret key material (the token-signing key, and any
 * other key a function must hold in memory to stay off KMS's request quotas, such as a MAC key) is stored
 * only as KMS ciphertext under a symmetric key, bound to an encryption context, and turned back into a key
 * with one `Decrypt` the first time a container needs it. What the container keeps is the key object the
 * caller makes from the plaintext (`use`); the plaintext bytes themselves are wiped as soon as `use`
 * returns, and are never logged or stored.
 */
const unwrapped = new Map<string, Promise<unknown>>();
const idOf = (wrapped: string, context: Record<string, string>) => `${wrapped}|${JSON.stringify(context)}`;

/** KMS `Encrypt` of `plaintext` (at most 4 KiB) under `keyId`, bound to `context`; the ciphertext in base64. */
export async function wrapKey(
  keyId: string,
  plaintext: Uint8Array,
  context: Record<string, string>,
): Promise<string> {
  const { CiphertextBlob } = await kmsClient.send(
    new EncryptCommand({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: context }),
  );
  if (!CiphertextBlob) throw new Error('KMS returned no ciphertext');
  return Buffer.from(CiphertextBlob).toString('base64');
}

/**
 * The key made by `use` from a wrapped key's plaintext (e.g. `createPrivateKey`, `createSecretKey`): one
 * KMS `Decrypt` per ciphertext and container, then the same key object for every caller. A failure is not
 * remembered, so the next call tries again.
 */
export function unwrapOnce<T>(
  keyId: string,
  wrapped: string,
  context: Record<string, string>,
  use: (plaintext: Buffer) => T,
): Promise<T> {
  const id = idOf(wrapped, context);
  let key = unwrapped.get(id) as Promise<T> | undefined;
  if (!key) {
    key = (async () => {
      const { Plaintext } = await kmsClient.send(
        new DecryptCommand({
          KeyId: keyId,
          CiphertextBlob: Buffer.from(wrapped, 'base64'),
          EncryptionContext: context,
        }),
      );
      if (!Plaintext) throw new Error('KMS returned no plaintext');
      const plaintext = Buffer.from(Plaintext.buffer, Plaintext.byteOffset, Plaintext.byteLength);
      try {
        return use(plaintext);
      } finally {
        plaintext.fill(0);
      }
    })();
    unwrapped.set(id, key);
    key.catch(() => unwrapped.delete(id));
  }
  return key;
}
