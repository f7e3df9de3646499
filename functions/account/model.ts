import type { ActivityHead } from '../activity/model.ts';
import type { VerifiedCertificate } from '../jpki/verify.ts';
import type { Municipality } from '../municipality/municipalities.ts';

/**
 * The resident's account as the capabilities see it: the plain-data shape that registration writes and
 * that activation, sessions, `GET /v1/me`, e-mail and notices read. Storage details (keys, item layout)
 * stay in the adapters.
 */
export type AccountStatus = 'pending_activation' | 'active' | 'reverification_required';

/** Why and since when an account must be verified again with the current card (design.md §3.7). */
export interface Reverification {
  reason: string;
  /** ISO time of the revocation. */
  since: string;
}

/** What the account keeps of its current signature certificate (never the certificate itself). */
export type CertificateSummary = VerifiedCertificate['certificate'];

/** A device public key as it appears in the registration statement (design.md §3.2). */
export interface DeviceJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

/** The encrypted form of one personal field: AES-256-GCM under the account's data key. */
export interface SealedField {
  iv: string;
  ciphertext: string;
  tag: string;
}

/** What `GET /v1/me` shows of the e-mail address. */
export interface EmailSummary {
  address: string;
  verified: boolean;
  deliverable: boolean;
}

export interface AccountRecord {
  accountId: string;
  status: AccountStatus;
  /** Set by the status check when the account's certificate was revoked. */
  reverification?: Reverification;
  /** Family and given name as on the card, in clear (design.md §5). */
  name: string;
  /** Gender, date of birth, address (and its substitute-character flags), sealed. */
  sealed: Record<string, SealedField>;
  /** The account's data key, wrapped by KMS with the account id as encryption context. */
  wrappedDataKey: string;
  municipality: Municipality;
  /** The current signature certificate: issuer, serial, validity, SHA-256 (design.md §5). */
  certificate: CertificateSummary;
  email?: EmailSummary;
  /** Raised by every recovery (design.md §3.9): tokens of an older generation are refused. Absent: 0. */
  tokenGeneration?: number;
  /** The newest activity entry's `{seq, hash}`; absent while the log is empty. */
  activity?: ActivityHead;
}
