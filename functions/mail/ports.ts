import type { ActivityEvent } from '../activity/model.ts';

/** The e-mail state kept on the account. `tokenHash` names the only link that still works. */
export interface EmailState {
  address: string;
  verified: boolean;
  deliverable: boolean;
  tokenHash?: string;
  requestedAt: string;
  verifiedAt?: string;
  /** Epoch milliseconds of the mails sent in the last hour (at most five). */
  sentAt: number[];
  /** Optimistic-lock counter: every write of the e-mail state bumps it. */
  revision: number;
}

/** A confirmation link as stored: by the SHA-256 of its token (the token itself is never stored). */
export interface StoredEmailToken {
  accountId: string;
  expiresAt: Date;
  usedAt?: string;
}

export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

/** What e-mail registration and confirmation need from the world (DynamoDB, SES). */
export interface MailPorts {
  /** Whether the account exists, and its e-mail state. */
  emailState(accountId: string): Promise<{ exists: boolean; email?: EmailState }>;
  /**
   * Records a sent mail: the new token and the new e-mail state, if nobody changed the state since
   * `previousRevision` was read; and `activity`, when given, in the same transaction.
   */
  recordMail(
    accountId: string,
    next: EmailState,
    token: { hash: string; expiresAt: Date },
    previousRevision: number,
    activity?: ActivityEvent,
  ): Promise<void>;
  emailToken(hash: string): Promise<StoredEmailToken | undefined>;
  /**
   * Marks the token used and the address verified, records `activity`, and indexes the address (the login
   * hints of Sign in with xID find accounts by it), together; false if a condition failed.
   */
  confirmEmail(
    accountId: string,
    hash: string,
    now: Date,
    address: string,
    activity: ActivityEvent,
  ): Promise<boolean>;
  send(to: string, content: MailContent, accountId: string): Promise<void>;
  /** 32 random bytes, base64url: the link's secret. */
  newToken(): string;
  now(): Date;
}

/** What the SES feedback consumer needs: marking an account's current address undeliverable. */
export interface MailFeedbackPorts {
  /** False when the address is no longer the account's (a stale report). */
  markUndeliverable(accountId: string, address: string): Promise<boolean>;
}
