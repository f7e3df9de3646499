import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../shared/clients.ts';

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

/**
 * The few table operations every store repeats, in one place: consistent reads by key and transactions,
 * on one table. How a failed write is to be read is `dynamo-errors.ts`'s business.
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
      const { Item } = await dynamo().send(
        new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true, ...projection }),
      );
      return Item as T | undefined;
    },
    async put(
      item: ItemKey & Record<string, unknown>,
      condition?: string,
      values?: Record<string, unknown>,
    ): Promise<void> {
      await dynamo().send(
        new PutCommand({
          TableName: tableName,
          Item: item,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
        }),
      );
    },
    async delete(key: ItemKey): Promise<void> {
      await dynamo().send(new DeleteCommand({ TableName: tableName, Key: key }));
    },
    /** One transaction over items of this table (`TableName` is filled in). */
    async transact(items: TableTransactItem[]): Promise<void> {
      const withTable = items.map((item) =>
        Object.fromEntries(
          Object.entries(item).map(([kind, operation]) => [kind, { ...operation, TableName: tableName }]),
        ),
      ) as TransactItem[];
      await dynamo().send(new TransactWriteCommand({ TransactItems: withTable }));
    },
  };
}

/** The table helper's type, for functions that take one (and tests that fake one). */
export type Table = ReturnType<typeof table>;
