import type { AccountStatus, DeviceJwk } from '../account/model.ts';
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
   * Consumes the activation nonce and activates the account in one transaction; `challenge_invalid` or
   * `already_active` when a condition fails, having written nothing.
   */
  activate(accountId: string, nonce: string, now: Date): Promise<void>;
  saveSessionChallenge(challenge: SessionChallenge): Promise<void>;
  sessionChallenge(challengeId: string): Promise<SessionChallenge | undefined>;
  /** Deletes the challenge if it is still there and unexpired; `challenge_invalid` otherwise. */
  consumeSessionChallenge(challengeId: string, now: Date): Promise<void>;
  mintToken(accountId: string): Promise<{ token: string; claims: TokenClaims }>;
  newId(): string;
  newNonce(): string;
  now(): Date;
}
