import type { AccountStatus, DeviceJwk } from '../account/model.ts';
import type { ActivityEvent } from '../activity/model.ts';
import type { TokenClaims } from './jwt.ts';

/** A login challenge (design.md §3.3): single use, 5 minutes, for one account. */
export interface SessionChallenge {
  challengeId: string;
  accountId: string;
  nonce: string;
  expiresAt: Date;
}

/** What activation and login need from the world; adapters implement it with DynamoDB and KMS. */
export interface AuthPorts {
  /** The account's status, or undefined when there is no such account. */
  accountStatus(accountId: string): Promise<AccountStatus | undefined>;
  deviceKey(accountId: string, key: 'auth' | 'sign'): Promise<DeviceJwk | undefined>;
  activationNonce(accountId: string): Promise<{ nonce: string; expiresAt: Date } | undefined>;
  /**
   * Consumes the activation nonce, activates the account and records `activity`, in one transaction;
   * `challenge_invalid` or `already_active` when a condition fails, having written nothing.
   */
  activate(accountId: string, nonce: string, now: Date, activity: ActivityEvent): Promise<void>;
  saveSessionChallenge(challenge: SessionChallenge): Promise<void>;
  sessionChallenge(challengeId: string): Promise<SessionChallenge | undefined>;
  /**
   * Deletes the challenge if it is still there and unexpired, and records `activity` on the (active)
   * account, together; `challenge_invalid` otherwise (`proof_invalid` when the account is no longer active).
   */
  consumeSessionChallenge(
    challengeId: string,
    accountId: string,
    now: Date,
    activity: ActivityEvent,
  ): Promise<void>;
  /** Failed proofs of an account in the current window. */
  failures(accountId: string, now: Date): Promise<{ count: number; windowEnds: Date } | undefined>;
  recordFailure(accountId: string, now: Date, windowSeconds: number): Promise<void>;
  mintToken(accountId: string): Promise<{ token: string; claims: TokenClaims }>;
  newId(): string;
  newNonce(): string;
  now(): Date;
}
