import type { DeviceStorePorts, EndpointPorts } from '../push/ports.ts';
import type { DeletableAccount, Deletion, UsedChallenge } from './model.ts';

/** What `DELETE /v1/me` needs: the account, the step-up proof, SNS, and DynamoDB's one transaction. */
export interface DeletionPorts
  extends Pick<DeviceStorePorts, 'device' | 'subscription'>,
    Pick<EndpointPorts, 'unsubscribe' | 'deleteEndpoint'> {
  /** The live account (undefined: none, or already deleted). */
  deletableAccount(accountId: string): Promise<DeletableAccount | undefined>;
  /**
   * Checks a sign proof (PIN2) over `{"type": "xid/deletion/v1", accountId, challengeId, nonce}` with a
   * step-up challenge of this account (design.md §3.6) and answers the challenge it names, still unused:
   * `challenge_invalid` (409) or `proof_invalid` (422) otherwise.
   */
  verifyDeletionProof(signProof: string, accountId: string): Promise<UsedChallenge>;
  /**
   * One transaction (the crypto-shredding): uses the challenge up; replaces the account item with the
   * tombstone `{accountId, deletedAt}` (the wrapped data key, the sealed fields, the name and the e-mail
   * address go with it); deletes the certificate index, the device keys, the consents, the push device and
   * its endpoint index, the subscription, the activation nonce, the e-mail link and the proof counter.
   * `challenge_invalid`, or `account_changed` when the account changed since it was read, having written
   * nothing.
   */
  deleteAccount(deletion: Deletion): Promise<void>;
  /** Deletes what is left under the account's key but its tombstone (the activity log); how many items. */
  sweepAccount(accountId: string): Promise<number>;
  now(): Date;
}
