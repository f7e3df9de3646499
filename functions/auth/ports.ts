import type { AccountStatus, DeviceJwk } from '../account/model.ts';
import type { ActivityEvent, ActivityHead } from '../activity/model.ts';
import type { TokenClaims, TokenMunicipality } from './jwt.ts';
import type { TokenKeySet } from './token-key-set.ts';

/** A login challenge (design.md §3.3): single use, 5 minutes, for one account. */
export interface SessionChallenge {
  challengeId: string;
  accountId: string;
  nonce: string;
  expiresAt: Date;
}

/** What activation and login read of the account. */
export interface AccountState {
  status: AccountStatus;
  /** Raised by every recovery; tokens of an older generation are refused. */
  tokenGeneration: number;
  /** The municipality, which the access token names (so that the inbox needs no account read). */
  municipality: TokenMunicipality;
  /** The newest activity entry as read, so that recording the activation or login needs no read of its own. */
  activity?: ActivityHead;
}

/** What activation and login need from the world; adapters implement it with DynamoDB and KMS. */
export interface AuthPorts {
  /** The account's status, token generation and municipality, or undefined when there is no such account (or it was deleted). */
  accountState(accountId: string): Promise<AccountState | undefined>;
  deviceKey(accountId: string, key: 'auth' | 'sign'): Promise<DeviceJwk | undefined>;
  activationNonce(accountId: string): Promise<{ nonce: string; expiresAt: Date } | undefined>;
  /**
   * Consumes the activation nonce, activates the account and records `activity`, in one transaction;
   * `challenge_invalid` or `already_active` when a condition fails, having written nothing.
   */
  activate(
    accountId: string,
    nonce: string,
    now: Date,
    activity: ActivityEvent,
    head?: ActivityHead | null,
  ): Promise<void>;
  saveSessionChallenge(challenge: SessionChallenge): Promise<void>;
  sessionChallenge(challengeId: string): Promise<SessionChallenge | undefined>;
  /**
   * Deletes the challenge if it is still there and unexpired, and records `activity` on the account, if it
   * is still active at `tokenGeneration`, together; `challenge_invalid` otherwise (`proof_invalid` when the
   * account is no longer active or a recovery raised its generation meanwhile).
   */
  consumeSessionChallenge(
    challengeId: string,
    accountId: string,
    tokenGeneration: number,
    now: Date,
    activity: ActivityEvent,
    head?: ActivityHead | null,
  ): Promise<void>;
  /** Failed proofs of an account in the current window. */
  failures(accountId: string, now: Date): Promise<{ count: number; windowEnds: Date } | undefined>;
  recordFailure(accountId: string, now: Date, windowSeconds: number): Promise<void>;
  /** An access token for the account at its current token generation, naming its municipality. */
  mintToken(
    accountId: string,
    generation: number,
    municipality: TokenMunicipality,
  ): Promise<{ token: string; claims: TokenClaims }>;
  newId(): string;
  newNonce(): string;
  now(): Date;
}

/** What provisioning and rotating the token-signing keys need (DynamoDB for the set, KMS to wrap). */
export interface TokenKeyPorts {
  readKeySet(): Promise<TokenKeySet | undefined>;
  /**
   * Stores the set if the stored one is still `previous` (none, or the same `rotatedAt`); a concurrent
   * change makes it throw `TokenKeyError` and store nothing.
   */
  writeKeySet(set: TokenKeySet, previous: TokenKeySet | undefined): Promise<void>;
  /** KMS `Encrypt` of the PKCS#8 private key under the token key, bound to the encryption context. */
  wrapPrivateKey(pkcs8: Buffer, context: Record<string, string>): Promise<string>;
  now(): Date;
}
