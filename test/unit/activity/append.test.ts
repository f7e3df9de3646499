import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { headOf, nextEntry } from '#functions/activity/chain';
import type { ActivityHead } from '#functions/activity/model';
import { ACTIVITY_ATTEMPTS, activityAppend, transactWithActivity } from '#functions/adapters/activity-log';
import type { Table, TableTransactItem } from '#functions/adapters/table';
import { KEYS } from '#functions/adapters/table-keys';
import { ProblemError } from '#functions/shared/problems';

/**
 * The one way write paths append to the activity log: the transaction items it builds, and how it retries
 * when another append took the `seq`, against a fake of the table helper.
 */
const ACCOUNT = '00000000-0000-4000-8000-000000000001';
const AT = new Date('2026-11-27T03:00:00.000Z');
const first = nextEntry(undefined, { type: 'registered', at: AT });

const cancelled = (reasons: string[]) =>
  new TransactionCanceledException({
    message: 'cancelled',
    $metadata: {},
    CancellationReasons: reasons.map((Code) => ({ Code })),
  });

/** A table whose head and transaction outcomes the test scripts. */
function fakeTable(heads: (ActivityHead | undefined)[], outcomes: (Error | undefined)[]) {
  const transactions: TableTransactItem[][] = [];
  let reads = 0;
  const db: Pick<Table, 'get' | 'transact'> = {
    get: async <T>() => {
      const activity = heads[Math.min(reads, heads.length - 1)];
      reads += 1;
      return { activity } as T;
    },
    transact: async (items) => {
      transactions.push(items);
      const outcome = outcomes[transactions.length - 1];
      if (outcome) throw outcome;
      return undefined;
    },
  };
  return { db, transactions, reads: () => reads };
}

describe('activityAppend', () => {
  it('puts the next entry under its seq, only if that seq is free', () => {
    const append = activityAppend(ACCOUNT, headOf(first), { type: 'signed_in', at: AT });
    expect(append.entry.seq).toBe(2);
    expect(append.put).toEqual({
      Put: {
        Item: { ...KEYS.activity(ACCOUNT, 2), ...append.entry },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
    expect(KEYS.activity(ACCOUNT, 2).sk < KEYS.activity(ACCOUNT, 10).sk).toBe(true);
  });

  it('sets the head on a live account when the caller does not touch the account item', () => {
    const append = activityAppend(ACCOUNT, null, { type: 'registered', at: AT });
    expect(append.update.Update).toEqual({
      Key: KEYS.account(ACCOUNT),
      UpdateExpression: 'SET #xidActivity = :xidActivity',
      ConditionExpression: 'attribute_exists(#xidStatus)',
      ExpressionAttributeNames: { '#xidActivity': 'activity', '#xidStatus': 'status' },
      ExpressionAttributeValues: { ':xidActivity': { seq: 1, hash: append.entry.hash } },
    });
  });

  it('merges the head into the caller’s update of the account item, keeping its clauses and condition', () => {
    const append = activityAppend(ACCOUNT, headOf(first), { type: 'activated', at: AT });
    const merged = append.intoUpdate({
      Key: KEYS.account(ACCOUNT),
      UpdateExpression: 'SET #status = :active, activatedAt = :at REMOVE resumeStatus ADD n :one',
      ConditionExpression: '#status = :pending OR #status = :other',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':active': 'active',
        ':pending': 'p',
        ':other': 'o',
        ':at': 'x',
        ':one': 1,
      },
    }).Update;
    expect(merged?.UpdateExpression).toBe(
      'SET #xidActivity = :xidActivity, #status = :active, activatedAt = :at REMOVE resumeStatus ADD n :one',
    );
    expect(merged?.ConditionExpression).toBe(
      '(#status = :pending OR #status = :other) AND attribute_exists(#xidStatus)',
    );
    expect(merged?.ExpressionAttributeNames).toEqual({
      '#status': 'status',
      '#xidActivity': 'activity',
      '#xidStatus': 'status',
    });
    expect(merged?.ExpressionAttributeValues?.[':xidActivity']).toEqual({ seq: 2, hash: append.entry.hash });
  });

  it('adds a SET clause to an update that has none', () => {
    const append = activityAppend(ACCOUNT, undefined, { type: 'registered', at: AT });
    expect(
      append.intoUpdate({ Key: KEYS.account(ACCOUNT), UpdateExpression: 'REMOVE email' }).Update
        ?.UpdateExpression,
    ).toBe('SET #xidActivity = :xidActivity REMOVE email');
  });

  it('puts the head on a new account item', () => {
    const append = activityAppend(ACCOUNT, null, { type: 'registered', at: AT });
    expect(append.intoPut({ ...KEYS.account(ACCOUNT), name: 'x' })).toEqual({
      ...KEYS.account(ACCOUNT),
      name: 'x',
      activity: { seq: 1, hash: append.entry.hash },
    });
  });
});

describe('transactWithActivity', () => {
  const build = (append: ReturnType<typeof activityAppend>) => [
    { Delete: { Key: { pk: 'X', sk: 'Y' } } },
    append.update,
    append.put,
  ];

  it('reads the head when not told it, and writes the change and the entry in one transaction', async () => {
    const table = fakeTable([headOf(first)], []);
    const entry = await transactWithActivity(table.db, ACCOUNT, { type: 'signed_in', at: AT }, build);
    expect(entry.seq).toBe(2);
    expect(table.reads()).toBe(1);
    expect(table.transactions).toHaveLength(1);
    expect(table.transactions[0]).toHaveLength(3);
  });

  it('does not read a head it was given', async () => {
    const table = fakeTable([], []);
    await transactWithActivity(table.db, ACCOUNT, { type: 'registered', at: AT }, build, null);
    expect(table.reads()).toBe(0);
  });

  it.each([
    ['another append took the seq', ['None', 'None', 'ConditionalCheckFailed'], 3],
    ['DynamoDB reported a transaction conflict', ['TransactionConflict', 'None', 'None'], 3],
  ])('numbers again after the head it reads when %s', async (_, reasons, seq) => {
    const second = nextEntry(headOf(first), { type: 'email_set', at: AT });
    const table = fakeTable([headOf(second)], [cancelled(reasons)]);
    const event = { type: 'signed_in' as const, at: AT };
    const entry = await transactWithActivity(table.db, ACCOUNT, event, build, headOf(first));
    expect(table.transactions).toHaveLength(2);
    expect(table.reads()).toBe(1);
    expect(entry.seq).toBe(seq);
    expect(entry).toEqual(nextEntry(headOf(second), event));
  });

  it('numbers again after a conflict the table answered as its retryable 503 (dynamo-errors.ts)', async () => {
    const second = nextEntry(headOf(first), { type: 'email_set', at: AT });
    const busy = new ProblemError('service_unavailable', 'The data is busy; try again in a moment', {
      cause: cancelled(['None', 'TransactionConflict', 'None']),
    });
    const table = fakeTable([headOf(second)], [busy]);
    const event = { type: 'signed_in' as const, at: AT };
    const entry = await transactWithActivity(table.db, ACCOUNT, event, build, headOf(first));
    expect(table.transactions).toHaveLength(2);
    expect(entry).toEqual(nextEntry(headOf(second), event));
  });

  it('passes the caller’s own condition failures on untouched', async () => {
    const failure = cancelled(['ConditionalCheckFailed', 'None', 'None']);
    const table = fakeTable([headOf(first)], [failure]);
    await expect(transactWithActivity(table.db, ACCOUNT, { type: 'signed_in', at: AT }, build)).rejects.toBe(
      failure,
    );
    expect(table.transactions).toHaveLength(1);
  });

  it('gives up with a retryable 503 after a few lost races', async () => {
    const lost = cancelled(['None', 'None', 'ConditionalCheckFailed']);
    const table = fakeTable(
      [headOf(first)],
      Array.from({ length: ACTIVITY_ATTEMPTS }, () => lost),
    );
    const error = await transactWithActivity(table.db, ACCOUNT, { type: 'signed_in', at: AT }, build).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ProblemError);
    expect((error as ProblemError).code).toBe('service_unavailable');
    expect(table.transactions).toHaveLength(ACTIVITY_ATTEMPTS);
  });

  it('refuses a build that leaves the entry out', async () => {
    const table = fakeTable([headOf(first)], []);
    await expect(
      transactWithActivity(table.db, ACCOUNT, { type: 'signed_in', at: AT }, (append) => [append.update]),
    ).rejects.toThrow(/append.put/);
    expect(table.transactions).toHaveLength(0);
  });
});
