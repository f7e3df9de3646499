import type { AccountStatus, DeviceJwk } from '../account/model.ts';
import type { Challenges } from '../shared/challenges.ts';
import type { TokenClaims } from './jwt.ts';

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
  /** Stateless login challenges (design.md §3.3), bound to the account: made and checked without the table. */
  challenges: Challenges;
  /** Records the use of a challenge, once (kept until it expires); `challenge_invalid` if it was used. */
  useChallenge(challenge: { challengeId: string; expiresAt: Date }): Promise<void>;
  mintToken(accountId: string): Promise<{ token: string; claims: TokenClaims }>;
  now(): Date;
}
