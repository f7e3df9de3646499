import { DEPENDENCY_RETRY_AFTER_SECONDS, isThrottling } from '../shared/dependency-failure.ts';
import { ProblemError } from '../shared/problems.ts';

/**
 * How a DynamoDB write failed, decided in one place for every store. A condition that did not hold is the
 * caller's business (a used challenge, a registered certificate); a race lost to a concurrent request on the
 * same item is answered the same way; anything retryable (throttling, a conflict on an item that decides
 * nothing) is a 503 with `Retry-After`; anything else (a denied permission, a malformed request) is ours
 * and stays an error.
 */

/** The cancellation reason codes of a cancelled transaction, by item index; undefined for other errors. */
export function cancellationReasons(error: unknown): (string | undefined)[] | undefined {
  const e = error as { name?: string; CancellationReasons?: { Code?: string }[] } | undefined;
  if (e?.name !== 'TransactionCanceledException') return undefined;
  return (e.CancellationReasons ?? []).map((reason) => reason.Code);
}

/**
 * Whether a write failed only because a condition did not hold: a `ConditionalCheckFailedException`, or a
 * transaction cancelled with `ConditionalCheckFailed` (at item `index`, when given).
 */
export function isConditionFailure(error: unknown, index?: number): boolean {
  if ((error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException') return true;
  const reasons = cancellationReasons(error);
  if (!reasons) return false;
  return index === undefined
    ? reasons.includes('ConditionalCheckFailed')
    : reasons[index] === 'ConditionalCheckFailed';
}

/**
 * Cancellation reason codes (of an item in a cancelled transaction) that say "try again": the same request
 * may well succeed a moment later. An exception thrown by a single-item write is read by
 * `isThrottling` (shared/dependency-failure.ts) instead; these are the transaction's own codes.
 */
const RETRYABLE_REASONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
]);
/** Exceptions of a single-item write that say "try again" besides throttling. */
const RETRYABLE_EXCEPTIONS = new Set(['TransactionConflictException', 'TransactionInProgressException']);
/** Reasons that mean another request got to the item first. */
const LOST_RACE = new Set([
  'ConditionalCheckFailed',
  'ConditionalCheckFailedException',
  'TransactionConflict',
  'TransactionConflictException',
]);

/** What a failed write means: a lost race on one of the items, something to retry, or an error of ours. */
export type WriteFailure =
  | { kind: 'refused'; index: number }
  | { kind: 'retryable'; reason: string }
  | { kind: 'error' };

/**
 * Reads a failed write. `decisive` lists, in order of precedence, the items (their index in a transaction;
 * a single-item write is item 0) whose condition decides the answer. A condition that failed on one of them,
 * or a `TransactionConflict` on one of them (a concurrent request is writing that very item: of the two, one
 * loses, and it is this one), is `refused` at that index. A conflict elsewhere, throttling, or a transaction
 * in progress is `retryable`. A condition failing on an item nobody declared decisive, and everything else,
 * is an `error`.
 */
export function writeFailure(error: unknown, decisive: readonly number[]): WriteFailure {
  const reasons =
    cancellationReasons(error) ?? [error instanceof Error ? error.name : undefined].filter(Boolean);
  for (const index of decisive) {
    const reason = reasons[index];
    if (reason !== undefined && LOST_RACE.has(reason)) return { kind: 'refused', index };
  }
  if (reasons.some((reason) => reason === 'ConditionalCheckFailed' || reason === 'ValidationError'))
    return { kind: 'error' };
  const retryable = reasons.find(
    (reason) => reason !== undefined && (RETRYABLE_REASONS.has(reason) || RETRYABLE_EXCEPTIONS.has(reason)),
  );
  if (retryable) return { kind: 'retryable', reason: retryable };
  return isThrottling(error) ? { kind: 'retryable', reason: (error as Error).name } : { kind: 'error' };
}

/**
 * Runs a write (a single-item write or a transaction) and answers its failure as `writeFailure` reads it
 * (a transaction conflict on an item that decides nothing is first tried once more):
 * resolves to the index of the decisive item that refused it (the caller turns that into its 409), or to
 * `undefined` when it was written. A retryable failure becomes `503 service_unavailable` with the
 * `Retry-After` of every dependency failure (`DEPENDENCY_RETRY_AFTER_SECONDS`): nothing was written, and the
 * same request may be sent again. Anything else is rethrown (an outage is then answered 503 by the
 * middleware's `isDependencyFailure`, a bug 500).
 */
export async function attemptWrite(
  write: () => Promise<unknown>,
  decisive: readonly number[] = [],
): Promise<number | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      await write();
      return undefined;
    } catch (error) {
      const failure = writeFailure(error, decisive);
      if (failure.kind === 'refused') return failure.index;
      // A transaction conflict on an item that decides nothing is transient and wrote nothing: once more
      // inside the request, before the client hears of it.
      if (failure.kind === 'retryable' && CONFLICTS.has(failure.reason) && attempt < CONFLICT_ATTEMPTS)
        continue;
      if (failure.kind === 'retryable') {
        throw new ProblemError('service_unavailable', 'The data is busy; try again in a moment', {
          retryAfterSeconds: DEPENDENCY_RETRY_AFTER_SECONDS,
          cause: error,
        });
      }
      throw error;
    }
  }
}

/** Conflicts with a concurrent transaction: retried once by `attemptWrite` before they are a 503. */
const CONFLICTS = new Set(['TransactionConflict', 'TransactionConflictException']);
const CONFLICT_ATTEMPTS = 2;
