import type { AccountStatus, CertificateSummary, SealedField } from '../account/model.ts';
import type { BasicItems } from '../jpki/verify.ts';
import type { Municipality } from '../municipality/municipalities.ts';
import type { SubscriptionRecord } from '../push/model.ts';
import type { ChallengeClaim } from '../step-up/model.ts';

/**
 * Re-verification after a move, a name change or a renewal (design.md §3.8): the rules that do not need
 * the world, and the one change the transaction writes.
 */

/** The stage's rules: whether equal items may stand in for a missing linkage (`reverification.itemMatch`). */
export interface ReverificationSettings {
  itemMatch: boolean;
}

/**
 * The item-match rule: the date of birth is equal, and the name or the address is equal. A move keeps the
 * name, a marriage keeps the address; a stranger with the same birthday has neither.
 */
export function itemsMatch(
  previous: Pick<BasicItems, 'name' | 'dateOfBirth' | 'address'>,
  next: Pick<BasicItems, 'name' | 'dateOfBirth' | 'address'>,
): boolean {
  return (
    previous.dateOfBirth === next.dateOfBirth &&
    (previous.name === next.name || previous.address === next.address)
  );
}

/** How the notice subscription fares: see `POST /v1/me/reverification` in docs/api.md. */
export type NoticeSubscriptionOutcome = 'moved' | 'ended' | 'unchanged' | 'none';

/** Everything the re-verification transaction writes, in one value. */
export interface ReverificationCommit {
  accountId: string;
  at: Date;
  /** The step-up challenge, used up in the same transaction. */
  challenge: ChallengeClaim;
  /** The certificate being replaced and the status the account had: the write holds only if both still do. */
  previous: { certificate: CertificateSummary; status: AccountStatus };
  certificate: CertificateSummary;
  name: string;
  nameFlags?: string;
  sealed: Record<string, SealedField>;
  municipality: Municipality;
  /**
   * When the municipality changed and the resident had notices on: the subscription being left
   * (`previousArn`), and the one to the new municipality's topic (`next`), or none when the subscription
   * ends. Holds only if the stored subscription is still `previousArn`.
   */
  subscription?: { previousArn: string; next?: SubscriptionRecord };
}
