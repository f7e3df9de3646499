import type { ActivityEvent } from '../activity/model.ts';

/** The e-mail state kept on the account. `tokenHash` names the only link that still works. */
export interface EmailState {
  address: string;
  verified: boolean;
  deliverable: boolean;
  tokenHash?: string;
  requestedAt: string;
  verifiedAt?: string;
  /**
   * Whether the mail with the current link went out: the link is recorded (`sending`) before the mail is
   * sent, and the send confirms it (`sent`). A link that stays `sending` was mailed by a request that died
   * before it could say so, or not at all.
   */
  delivery?: 'sending' | 'sent';
  /** Every write of the e-mail state bumps it. */
  revision: number;
}

/**
 * A sliding-window sending limit: at most `limit` mails per `windowSeconds` for one key. `account` keys are
 * account ids; `recipient` keys are the SHA-256 of an address (never the address itself).
 */
export interface MailQuota {
  kind: 'account' | 'recipient';
  key: string;
  limit: number;
  windowSeconds: number;
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
   * Takes one sending slot of a quota, atomically (a conditional write per slot: concurrent requests can
   * never take more than `limit` in a window); or says when the next slot frees.
   */
  reserveSlot(quota: MailQuota, now: Date): Promise<{ slot: number } | { retryAfterSeconds: number }>;
  /** Gives a slot back that this request took at `reservedAt`, if nobody took it since (nothing was sent). */
  releaseSlot(quota: MailQuota, slot: number, reservedAt: Date): Promise<void>;
  /**
   * Records a link before its mail is sent: the token's hash and the new e-mail state (`delivery:
   * 'sending'`), together. With `sameAddress`, only while the account's address is still that unconfirmed
   * one. False when the condition did not hold or a concurrent write won the account (nothing written).
   */
  recordLink(
    accountId: string,
    next: EmailState,
    token: { hash: string; expiresAt: Date },
    sameAddress?: string,
  ): Promise<boolean>;
  /**
   * The mail went out: `delivery: 'sent'`, if the link is still the account's current one, and `activity`
   * (a new address: `email_set`) recorded with it.
   */
  confirmSent(accountId: string, tokenHash: string, activity?: ActivityEvent): Promise<void>;
  /** The mail did not go out: the e-mail state goes back to `previous` and the link is deleted. */
  undoLink(accountId: string, previous: EmailState | undefined, tokenHash: string): Promise<void>;
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
