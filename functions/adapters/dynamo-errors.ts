import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';

/**
 * How a DynamoDB write failed, for every store alike. A condition that did not hold is the caller's
 * business (a used challenge, a registered certificate); anything else (throttling, an outage, a denied
 * permission) is not, and must not be mistaken for it.
 */

/** The cancellation reason codes of a cancelled transaction, by item index; undefined for other errors. */
export function cancellationReasons(error: unknown): (string | undefined)[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? []).map((reason) => reason.Code);
}

/**
 * Whether a write failed only because a condition did not hold: a `ConditionalCheckFailedException`, or a
 * transaction cancelled with `ConditionalCheckFailed` (at item `index`, when given).
 */
export function isConditionFailure(error: unknown, index?: number): boolean {
  if (error instanceof ConditionalCheckFailedException) return true;
  const reasons = cancellationReasons(error);
  if (!reasons) return false;
  return index === undefined
    ? reasons.includes('ConditionalCheckFailed')
    : reasons[index] === 'ConditionalCheckFailed';
}
