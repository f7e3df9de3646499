import { headOf, nextEntry } from '../activity/chain.ts';
import type { ActivityEntry, ActivityEvent, ActivityHead } from '../activity/model.ts';
import type { ActivityPorts } from '../activity/ports.ts';
import { ProblemError } from '../shared/problems.ts';
import { documentClient, QueryCommand } from './dynamo-client.ts';
import { cancellationReasons, isConditionFailure } from './dynamo-errors.ts';
import type { Table, TableTransactItem } from './table.ts';
import { KEYS } from './table-keys.ts';

/**
 * The activity log in DynamoDB (design.md §3.11). Entries are items `ACCOUNT#<id>` / `ACTIVITY#<seq>`; the
 * newest entry's `{seq, hash}` is the `activity` attribute of the account's PROFILE item, so that
 * `GET /v1/me` reads it with the account.
 *
 * **How a write path records an event** (the one way to append; nothing else writes entries):
 *
 * ```ts
 * await transactWithActivity(db, accountId, { type: 'signed_in', at: now }, (append) => [
 *   { Delete: { Key: …challenge…, ConditionExpression: … } },   // the change itself
 *   append.put,                                                    // the new entry
 *   append.update,          // or append.intoUpdate(yourUpdateOfThePROFILEItem), or append.intoPut(newProfile)
 * ], knownHead);
 * ```
 *
 * - The entry goes into the SAME transaction as the change it records: both happen or neither.
 * - `append.put` is conditional on its `seq` being free, so no two entries share a `seq`. When another
 *   append took it (or DynamoDB reports a `TransactionConflict`), `transactWithActivity` re-reads the head,
 *   calls `build` again and retries (a few times; then 503 `service_unavailable` with `Retry-After`).
 * - DynamoDB forbids two operations on one item in one transaction: a caller that already updates the
 *   PROFILE item passes that Update through `append.intoUpdate(…)` (which adds the head and a condition that
 *   the account is not deleted); one that creates the PROFILE item uses `append.intoPut(…)`; anyone else adds
 *   `append.update`. Exactly one of the three.
 * - `knownHead`: the head the caller already read with the account (saves a read); `null` for a new
 *   account (empty log); omitted: read here. On a retry it is always read again.
 * - Any other failure is rethrown as it came, with the caller's items at the indices it gave them.
 * - `detail` must never hold the four basic items, addresses, tokens, nonces or device tokens.
 */
export const ACTIVITY_ATTEMPTS = 8;

/** A DynamoDB Update of the PROFILE item, as a transaction item carries it (`TableName` filled in later). */
type ProfileUpdate = NonNullable<TableTransactItem['Update']>;

export interface ActivityAppend {
  /** The entry this append writes, numbered and hashed. */
  entry: ActivityEntry;
  /** The Put of the entry item; conditional on its `seq` being free. */
  put: TableTransactItem;
  /** The head update alone, for callers that do not otherwise touch the PROFILE item. */
  update: TableTransactItem;
  /** The caller's own Update of the PROFILE item, with the head set too. */
  intoUpdate(update: ProfileUpdate): TableTransactItem;
  /** The caller's new PROFILE item (registration), with the head on it. */
  intoPut<T extends Record<string, unknown>>(item: T): T & { activity: ActivityHead };
}

const NAMES = { '#xidActivity': 'activity', '#xidStatus': 'status' };
/** The account is live: a deleted account's tombstone has no `status`, and no entry is appended to it. */
const LIVE = 'attribute_exists(#xidStatus)';

/** Adds `SET #xidActivity = :xidActivity` to an update expression, into its SET clause if it has one. */
function withHeadSet(expression: string): string {
  const set = /(^|\s)SET\s/i.exec(expression);
  if (!set) return `SET #xidActivity = :xidActivity ${expression}`.trim();
  const at = set.index + set[0].length;
  return `${expression.slice(0, at)}#xidActivity = :xidActivity, ${expression.slice(at)}`;
}

/** The transaction items that append `event` after `head` (undefined or null: the log is empty). */
export function activityAppend(
  accountId: string,
  head: ActivityHead | null | undefined,
  event: ActivityEvent,
): ActivityAppend {
  const entry = nextEntry(head ?? undefined, event);
  const newHead = headOf(entry);
  const profile = KEYS.account(accountId);
  const intoUpdate = (update: ProfileUpdate): TableTransactItem => ({
    Update: {
      ...update,
      UpdateExpression: withHeadSet(update.UpdateExpression ?? ''),
      ConditionExpression: update.ConditionExpression ? `(${update.ConditionExpression}) AND ${LIVE}` : LIVE,
      ExpressionAttributeNames: { ...update.ExpressionAttributeNames, ...NAMES },
      ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':xidActivity': newHead },
    },
  });
  return {
    entry,
    put: {
      Put: {
        Item: { ...KEYS.activity(accountId, entry.seq), ...entry },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    update: intoUpdate({ Key: profile, UpdateExpression: '' }),
    intoUpdate,
    intoPut: (item) => ({ ...item, activity: newHead }),
  };
}

/** The account's head, read consistently; undefined when the log is empty or there is no account. */
export async function activityHead(
  db: Pick<Table, 'get'>,
  accountId: string,
): Promise<ActivityHead | undefined> {
  return (await db.get<{ activity?: ActivityHead }>(KEYS.account(accountId), ['activity']))?.activity;
}

/**
 * Another append took the entry's `seq`, or a concurrent transaction on the same items won: numbering
 * again after it is worth it. The table reports a conflict as a retryable 503 (dynamo-errors.ts
 * `attemptWrite`), with the cancelled transaction as its cause.
 */
const lostRace = (error: unknown, putIndex: number) => {
  const cancelled =
    error instanceof ProblemError && error.code === 'service_unavailable' ? error.cause : error;
  return (
    isConditionFailure(cancelled, putIndex) ||
    (cancellationReasons(cancelled) ?? []).includes('TransactionConflict')
  );
};

/**
 * One transaction that makes a change and records it in the activity log (see the module's docblock).
 * Returns the entry written.
 */
export async function transactWithActivity(
  db: Pick<Table, 'get' | 'transact'>,
  accountId: string,
  event: ActivityEvent,
  build: (append: ActivityAppend) => TableTransactItem[],
  knownHead?: ActivityHead | null,
): Promise<ActivityEntry> {
  let head = knownHead === undefined ? await activityHead(db, accountId) : knownHead;
  for (let attempt = 1; ; attempt++) {
    const append = activityAppend(accountId, head, event);
    const items = build(append);
    const putIndex = items.indexOf(append.put);
    if (putIndex < 0) throw new Error('an activity append must include append.put');
    try {
      await db.transact(items);
      return append.entry;
    } catch (error) {
      if (!lostRace(error, putIndex)) throw error;
      if (attempt >= ACTIVITY_ATTEMPTS) {
        throw new ProblemError('service_unavailable', 'The account is busy; try again', {
          retryAfterSeconds: 1,
          cause: error,
        });
      }
      // A short random pause, growing with each lost race, so that racers spread out.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
      head = await activityHead(db, accountId);
    }
  }
}

/** Reading the log: `GET /v1/me/activity`. */
export function activityStore(tableName: string) {
  return {
    async activityPage(accountId: string, limit: number, beforeSeq?: number) {
      if (beforeSeq !== undefined && beforeSeq <= 1) return { items: [], more: false };
      const { Items = [] } = await documentClient.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression:
            beforeSeq === undefined
              ? 'pk = :pk AND begins_with(sk, :prefix)'
              : 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues:
            beforeSeq === undefined
              ? { ':pk': KEYS.account(accountId).pk, ':prefix': KEYS.activityPrefix }
              : {
                  ':pk': KEYS.account(accountId).pk,
                  ':from': KEYS.activity(accountId, 1).sk,
                  ':to': KEYS.activity(accountId, beforeSeq - 1).sk,
                },
          ScanIndexForward: false,
          Limit: limit + 1,
          ConsistentRead: true,
        }),
      );
      const items = Items.slice(0, limit).map(
        ({ seq, at, type, detail, hash }) => ({ seq, at, type, detail, hash }) as ActivityEntry,
      );
      return { items, more: Items.length > limit };
    },
  } satisfies ActivityPorts;
}
