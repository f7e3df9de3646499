/**
 * The resident's activity log (利用履歴, design.md §3.11): one entry per thing that happened to the account,
 * numbered from 1 and hash-chained, so that the app can show it and check that nothing it saw was rewritten.
 */

/** Every entry type. §3.11's list, `authorized` (§3.13), and `push_removed` (the device released its push). */
export const ACTIVITY_TYPES = [
  'registered',
  'activated',
  'signed_in',
  'email_set',
  'email_verified',
  'push_registered',
  'push_removed',
  'notices_on',
  'notices_off',
  'revocation_found',
  'reverified',
  'device_changed',
  'authorized',
] as const;

export type ActivityType = (typeof ACTIVITY_TYPES)[number];

/**
 * What an entry says beyond its type: small facts such as a platform or a municipality code. Never the four
 * basic items, addresses, tokens, nonces or device tokens.
 */
export type ActivityDetail = Record<string, string | number | boolean | string[]>;

/** What a write path records: the entry before it is numbered and chained. */
export interface ActivityEvent {
  type: ActivityType;
  at: Date;
  detail?: ActivityDetail;
}

/** One entry as stored and as `GET /v1/me/activity` shows it. */
export interface ActivityEntry {
  seq: number;
  /** ISO 8601 with milliseconds, UTC. */
  at: string;
  type: ActivityType;
  detail: ActivityDetail;
  /** base64url(SHA-256(previous hash ‖ JCS of this entry without `hash`)). */
  hash: string;
}

/** The newest entry's number and hash, kept on the account so that `GET /v1/me` shows it with one read. */
export interface ActivityHead {
  seq: number;
  hash: string;
}
