import {
  DeleteCommand,
  documentClient,
  everyItem,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from './dynamo-client.ts';
import { attemptWrite } from './dynamo-errors.ts';
import { epochSeconds, KEYS } from './table-keys.ts';

/** An item key of the single table (design.md §6). */
export interface ItemKey {
  pk: string;
  sk: string;
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
/** A transaction item without its `TableName`: `transact` fills it in. */
export type TableTransactItem = {
  [K in keyof TransactItem]?: Omit<NonNullable<TransactItem[K]>, 'TableName'>;
};

/** A condition on a single-item write, with the names and values its expression uses. */
export interface Condition {
  condition: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

/** An update of one item: its expression and, optionally, a condition (names and values are shared). */
export interface Update {
  update: string;
  condition?: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

const expressionParts = (c: { names?: Record<string, string>; values?: Record<string, unknown> }) => ({
  ...(c.names && Object.keys(c.names).length ? { ExpressionAttributeNames: c.names } : {}),
  ...(c.values && Object.keys(c.values).length ? { ExpressionAttributeValues: c.values } : {}),
});

/**
 * The few table operations every store repeats, in one place: consistent reads by key, single-item writes
 * and transactions, on one table. Every write goes through `attemptWrite` (dynamo-errors.ts), which alone
 * decides what a failure means: a conditional write answers `false` (a transaction, the index of the decisive
 * item) when its condition did not hold or a concurrent request won the item; a retryable failure is a 503.
 */
export function table(tableName: string) {
  return {
    tableName,
    /**
     * The item at `key`, read consistently (a write just made is seen), without its keys' meaning; only the
     * top-level `attributes` named, when given.
     */
    async get<T = Record<string, unknown>>(
      key: ItemKey,
      attributes?: readonly string[],
    ): Promise<T | undefined> {
      const projection = attributes?.length
        ? {
            ProjectionExpression: attributes.map((_, i) => `#p${i}`).join(', '),
            ExpressionAttributeNames: Object.fromEntries(attributes.map((name, i) => [`#p${i}`, name])),
          }
        : {};
      const { Item } = await documentClient.send(
        new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true, ...projection }),
      );
      return Item as T | undefined;
    },
    /** Every item of a partition, read consistently (a small partition: an account's own items). */
    async partition(pk: string): Promise<(ItemKey & Record<string, unknown>)[]> {
      return everyItem<ItemKey & Record<string, unknown>>({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
      });
    },
    /** Writes an item; with a condition, `false` when it did not hold (nothing written). */
    async put(item: ItemKey & Record<string, unknown>, condition?: string | Condition): Promise<boolean> {
      const c = typeof condition === 'string' ? { condition } : condition;
      const refused = await attemptWrite(
        () =>
          documentClient.send(
            new PutCommand({
              TableName: tableName,
              Item: item,
              ...(c ? { ConditionExpression: c.condition, ...expressionParts(c) } : {}),
            }),
          ),
        c ? [0] : [],
      );
      return refused === undefined;
    },
    /** Updates an item; with a condition, `false` when it did not hold (nothing written). */
    async update(key: ItemKey, u: Update): Promise<boolean> {
      const refused = await attemptWrite(
        () =>
          documentClient.send(
            new UpdateCommand({
              TableName: tableName,
              Key: key,
              UpdateExpression: u.update,
              ...(u.condition ? { ConditionExpression: u.condition } : {}),
              ...expressionParts(u),
            }),
          ),
        u.condition ? [0] : [],
      );
      return refused === undefined;
    },
    /** Deletes an item; with a condition, `false` when it did not hold (nothing deleted). */
    async delete(key: ItemKey, condition?: Condition): Promise<boolean> {
      const refused = await attemptWrite(
        () =>
          documentClient.send(
            new DeleteCommand({
              TableName: tableName,
              Key: key,
              ...(condition
                ? { ConditionExpression: condition.condition, ...expressionParts(condition) }
                : {}),
            }),
          ),
        condition ? [0] : [],
      );
      return refused === undefined;
    },
    /**
     * One transaction over items of this table (`TableName` is filled in). `decisive` lists, in order of
     * precedence, the items whose condition decides the answer: resolves to the index of the one that
     * refused, or `undefined` when everything was written.
     */
    async transact(
      items: TableTransactItem[],
      decisive: readonly number[] = [],
    ): Promise<number | undefined> {
      const withTable = items.map((item) =>
        Object.fromEntries(
          Object.entries(item).map(([kind, operation]) => [kind, { ...operation, TableName: tableName }]),
        ),
      ) as TransactItem[];
      return attemptWrite(
        () => documentClient.send(new TransactWriteCommand({ TransactItems: withTable })),
        decisive,
      );
    },
  };
}

/**
 * The record that a stateless challenge was used: a put that succeeds once per challenge, kept (TTL) until
 * the challenge has expired anyway. A transaction item; a refusal means the challenge was used already.
 */
export function usedChallengeItem(challenge: { challengeId: string; expiresAt: Date }): TableTransactItem {
  return {
    Put: {
      Item: { ...KEYS.usedChallenge(challenge.challengeId), expiresAt: epochSeconds(challenge.expiresAt) },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** The table helper's type, for functions that take one (and tests that fake one). */
export type Table = ReturnType<typeof table>;
