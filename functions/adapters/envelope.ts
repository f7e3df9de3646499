import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SealedField } from '../account/model.ts';
import { DecryptCommand, GenerateDataKeyCommand, kmsClient } from './kms-client.ts';

/**
 * Envelope encryption of personal fields (design.md §5): one KMS data key per account, made with the
 * account id as encryption context; each field sealed with AES-256-GCM under it, with the account id and
 * the field name as additional data, so a sealed value cannot be moved to another field or account.
 * The plaintext data key lives only for the call and is wiped after.
 */
const aad = (accountId: string, field: string) => Buffer.from(`xid:${accountId}:${field}`, 'utf8');

/**
 * Unwrapped data keys of this warm container, for a short while, so that a resident's repeated requests
 * cost one KMS Decrypt per few minutes. Bounded, and wiped on eviction.
 */
const KEY_CACHE_MS = 5 * 60_000;
const KEY_CACHE_MAX = 500;
const keyCache = new Map<string, { key: Buffer; until: number }>();

function cached(wrapped: string, now: number): Buffer | undefined {
  const hit = keyCache.get(wrapped);
  if (hit && hit.until > now) return hit.key;
  if (hit) {
    hit.key.fill(0);
    keyCache.delete(wrapped);
  }
  return undefined;
}

function remember(wrapped: string, key: Buffer, now: number): void {
  if (keyCache.size >= KEY_CACHE_MAX) {
    const [oldest] = keyCache.keys();
    if (oldest !== undefined) {
      keyCache.get(oldest)?.key.fill(0);
      keyCache.delete(oldest);
    }
  }
  keyCache.set(wrapped, { key, until: now + KEY_CACHE_MS });
}

function sealWith(key: Buffer, accountId: string, fields: Record<string, string>) {
  const sealed: Record<string, SealedField> = {};
  for (const [field, value] of Object.entries(fields)) {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(accountId, field));
    const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    sealed[field] = {
      iv: iv.toString('base64'),
      ciphertext: ciphertext.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    };
  }
  return sealed;
}

function openWith(key: Buffer, accountId: string, sealed: Record<string, SealedField>) {
  const open: Record<string, string> = {};
  for (const [field, value] of Object.entries(sealed)) {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(value.iv, 'base64'));
    decipher.setAAD(aad(accountId, field));
    decipher.setAuthTag(Buffer.from(value.tag, 'base64'));
    open[field] = Buffer.concat([
      decipher.update(Buffer.from(value.ciphertext, 'base64')),
      decipher.final(),
    ]).toString('utf8');
  }
  return open;
}

export function envelope(keyId: string) {
  /** The account's data key: from this container's cache, or unwrapped with one KMS Decrypt (then cached). */
  async function dataKey(accountId: string, wrappedDataKey: string): Promise<Buffer> {
    const now = Date.now();
    const hit = cached(wrappedDataKey, now);
    if (hit) return hit;
    const { Plaintext } = await kmsClient.send(
      new DecryptCommand({
        KeyId: keyId,
        CiphertextBlob: Buffer.from(wrappedDataKey, 'base64'),
        EncryptionContext: { accountId },
      }),
    );
    if (!Plaintext) throw new Error('KMS returned no plaintext');
    const key = Buffer.from(Plaintext);
    Plaintext.fill(0);
    remember(wrappedDataKey, key, now);
    return key;
  }

  return {
    async sealFields(accountId: string, fields: Record<string, string>) {
      const { Plaintext, CiphertextBlob } = await kmsClient.send(
        new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { accountId } }),
      );
      if (!Plaintext || !CiphertextBlob) throw new Error('KMS returned no data key');
      const key = Buffer.from(Plaintext);
      try {
        return {
          sealed: sealWith(key, accountId, fields),
          wrappedDataKey: Buffer.from(CiphertextBlob).toString('base64'),
        };
      } finally {
        key.fill(0);
        Plaintext.fill(0);
      }
    },

    /** Unwraps the account's data key (one KMS Decrypt, then cached briefly) and opens the given fields. */
    async openFields(accountId: string, wrappedDataKey: string, sealed: Record<string, SealedField>) {
      return openWith(await dataKey(accountId, wrappedDataKey), accountId, sealed);
    },

    /**
     * Under the account's existing data key (one KMS Decrypt at most): opens `open` and seals `fields`
     * afresh (new IVs), so that rewritten items stay under the key that deleting the account shreds.
     */
    async resealFields(
      accountId: string,
      wrappedDataKey: string,
      open: Record<string, SealedField>,
      fields: Record<string, string>,
    ) {
      const key = await dataKey(accountId, wrappedDataKey);
      return { opened: openWith(key, accountId, open), sealed: sealWith(key, accountId, fields) };
    },
  };
}
