import type { AccountStatus, DeviceJwk } from '../account/model.ts';
import type { ActivityEvent, ActivityHead } from '../activity/model.ts';
import type { Challenges } from '../shared/challenges.ts';
import type { TokenClaims, TokenMunicipality } from './jwt.ts';
import type { TokenKeySet } from './token-key-set.ts';

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
  /** Stateless login challenges (design.md §3.3), bound to the account: made and checked without the table. */
  challenges: Challenges;
  /**
   * Records the use of the challenge (once, kept until it expires) and `activity` on the account, if it is
   * still active at `tokenGeneration`, together; `challenge_invalid` when the challenge was used before,
   * `proof_invalid` when the account is no longer active or a recovery raised its generation meanwhile.
   */
  consumeSessionChallenge(
    challenge: { challengeId: string; expiresAt: Date },
    accountId: string,
    tokenGeneration: number,
    now: Date,
    activity: ActivityEvent,
    head?: ActivityHead | null,
  ): Promise<void>;
  /** An access token for the account at its current token generation, naming its municipality. */
  mintToken(
    accountId: string,
    generation: number,
    municipality: TokenMunicipality,
  ): Promise<{ token: string; claims: TokenClaims }>;
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
