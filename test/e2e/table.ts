import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ENV } from '#functions/shared/env';
import { canonicalize } from '#functions/shared/jcs';
import { LOCAL_CREDENTIALS } from '#functions/shared/names';
import type { RuntimeRecord } from '#lib/local/runtime';

/** Direct access to the local runtime's table, for before/after comparisons and fixtures. */
export function tableOf(record: RuntimeRecord) {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: record.awsEndpoint,
      region: record.environment.AWS_REGION,
      credentials: LOCAL_CREDENTIALS,
    }),
  );
  const TableName = record.environment[ENV.tableName];
  return {
    /** Every item in canonical JSON, sorted: equal snapshots mean nothing was written, changed or deleted. */
    async snapshot(): Promise<string[]> {
      const items: string[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({ TableName, ExclusiveStartKey, ConsistentRead: true }),
        );
        for (const item of page.Items ?? []) items.push(canonicalize(item));
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return items.sort();
    },
    async get(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
      return (await client.send(new GetCommand({ TableName, Key: key, ConsistentRead: true }))).Item;
    },
    async put(item: Record<string, unknown>): Promise<void> {
      await client.send(new PutCommand({ TableName, Item: item }));
    },
    /** Sets one attribute of an existing item (e.g. an account's status, as the status check would). */
    async update(key: { pk: string; sk: string }, name: string, value: unknown): Promise<void> {
      await client.send(
        new UpdateCommand({
          TableName,
          Key: key,
          UpdateExpression: 'SET #name = :value',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#name': name },
          ExpressionAttributeValues: { ':value': value },
        }),
      );
    },
    close: () => client.destroy(),
  };
}
