/**
 * The shape of the stateful resources, in one place: the Stateful stack builds them in AWS from these
 * definitions and the local runtime builds the same ones in the stand-ins, so the two cannot differ.
 */

/** The single table (design.md §6): long-lived and short-lived items together, the latter with TTL. */
export const TABLE = {
  logicalName: 'Main',
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB deletes the item some time after. Readers still check expiry themselves. */
  ttlAttribute: 'expiresAt',
} as const;

/** KMS keys beside the table's own storage key. */
export const KEYS = {
  /** Envelope encryption of personal fields (design.md §5). Rotated yearly. */
  data: { keySpec: 'SYMMETRIC_DEFAULT', keyUsage: 'ENCRYPT_DECRYPT', rotation: true, alias: 'data' },
  /**
   * Wraps the token-signing keys (functions/auth/token-key-set.ts): their P-256 private keys exist at rest
   * only as ciphertext under this key, and are unwrapped with one Decrypt per container. Rotated yearly;
   * the signing keys themselves rotate through the set (docs/operations.md).
   */
  token: { keySpec: 'SYMMETRIC_DEFAULT', keyUsage: 'ENCRYPT_DECRYPT', rotation: true, alias: 'token' },
  /**
   * Encrypts every municipality's ingest and receipts topics: one key per stage (not one per municipality:
   * 1,741 keys would cost some US$1,741 a month for public announcements). Its policy lets any publisher use
   * it only through SNS and only for the stage's ingest topics; the topic policies say who may publish.
   */
  notices: { keySpec: 'SYMMETRIC_DEFAULT', keyUsage: 'ENCRYPT_DECRYPT', rotation: true, alias: 'notices' },
  /**
   * HMAC of the pairwise `sub` of Sign in with xID (design.md §3.13). HMAC keys cannot rotate (a new key
   * would change every `sub` relying parties hold); the key never leaves KMS.
   */
  pairwise: { keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC', rotation: false, alias: 'pairwise' },
  /**
   * Stateless challenges: the MAC key of challenge nonces is derived from it (one GenerateMac per container).
   * HMAC keys do not rotate in KMS; replacing it only makes open challenges (5 minutes) fail once.
   */
  challenge: { keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC', rotation: false, alias: 'challenge' },
} as const;

export type KeyName = keyof typeof KEYS;
