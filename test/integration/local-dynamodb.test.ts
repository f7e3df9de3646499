import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '#functions/shared/names';
import { freePort, type Service, startMoto } from '#lib/local/services';

/**
 * The local DynamoDB (lib/local/moto_server.py): moto with serialised operations and transactions that
 * snapshot only the items they touch, and queries that read only their partition. What must still hold: a
 * cancelled transaction leaves no trace, concurrent transactions all land, a table of 10,000 items keeps both
 * true, and a query answers exactly as DynamoDB would (its partition, in order, by pages, filtered).
 */
let moto: Service;
let client: DynamoDBClient;
const TableName = 'local-dynamodb-test';
const S = (value: string) => ({ S: value });

async function itemCount(): Promise<number> {
  let count = 0;
  let ExclusiveStartKey: Record<string, never> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName, Select: 'COUNT', ExclusiveStartKey }));
    count += page.Count ?? 0;
    ExclusiveStartKey = page.LastEvaluatedKey as typeof ExclusiveStartKey;
  } while (ExclusiveStartKey);
  return count;
}

const get = async (pk: string) =>
  (await client.send(new GetItemCommand({ TableName, Key: { pk: S(pk), sk: S('X') }, ConsistentRead: true })))
    .Item;

async function cancelledTransaction(prefix: string) {
  const attempt = client.send(
    new TransactWriteItemsCommand({
      TransactItems: [
        {
          Update: {
            TableName,
            Key: { pk: S(`${prefix}C`), sk: S('X') },
            UpdateExpression: 'SET v = :two',
            ExpressionAttributeValues: { ':two': { N: '2' } },
          },
        },
        { Put: { TableName, Item: { pk: S(`${prefix}A`), sk: S('X') } } },
        {
          Put: {
            TableName,
            Item: { pk: S(`${prefix}B`), sk: S('X') },
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
      ],
    }),
  );
  await expect(attempt).rejects.toBeInstanceOf(TransactionCanceledException);
}

beforeAll(async () => {
  const port = await freePort();
  moto = await startMoto(port, mkdtempSync(path.join(tmpdir(), 'xid-moto-')));
  client = new DynamoDBClient({
    endpoint: moto.url,
    region: 'ap-northeast-1',
    credentials: LOCAL_CREDENTIALS,
  });
  await client.send(
    new CreateTableCommand({
      TableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

describe('the local DynamoDB', () => {
  it('rolls a cancelled transaction back whole: the update undone, the put removed', async () => {
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [{ Put: { TableName, Item: { pk: S('r1C'), sk: S('X'), v: { N: '1' } } } }],
      }),
    );
    await cancelledTransaction('r1');
    expect((await get('r1C'))?.v).toEqual({ N: '1' });
    expect(await get('r1A')).toBeUndefined();
    expect(await get('r1B')).toBeUndefined();
  });

  it('lands 48 concurrent transactions of 6 items each, with no error', async () => {
    const before = await itemCount();
    const run = (i: number) =>
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [0, 1, 2, 3, 4, 5].map((j) => ({
            Put: {
              TableName,
              Item: { pk: S(`c${i}-${j}`), sk: S('X') },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          })),
        }),
      );
    for (let wave = 0; wave < 6; wave++) {
      await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((k) => run(wave * 8 + k)));
    }
    expect((await itemCount()) - before).toBe(48 * 6);
  });

  it('keeps both with 10,000 items in the table', async () => {
    for (let n = 0; n < 10_000; n += 25) {
      await client.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [TableName]: Array.from({ length: 25 }, (_, i) => ({
              PutRequest: { Item: { pk: S(`fill-${n + i}`), sk: S('X'), data: S('x'.repeat(200)) } },
            })),
          },
        }),
      );
    }
    const before = await itemCount();
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [{ Put: { TableName, Item: { pk: S('r2C'), sk: S('X'), v: { N: '1' } } } }],
      }),
    );
    await cancelledTransaction('r2');
    expect((await get('r2C'))?.v).toEqual({ N: '1' });
    expect(await get('r2A')).toBeUndefined();
    expect(await itemCount()).toBe(before + 1);
  }, 180_000);

  it('answers a query with its partition only, in range-key order, by pages, filtered, in either direction', async () => {
    const items = ['d', 'a', 'c', 'e', 'b'].map((sk, i) => ({
      pk: S('q-1'),
      sk: S(sk),
      n: { N: String(i) },
    }));
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [TableName]: [...items, { pk: S('q-2'), sk: S('a') }, { pk: S('q-10'), sk: S('a') }].map(
            (Item) => ({
              PutRequest: { Item },
            }),
          ),
        },
      }),
    );
    const query = (extra: Partial<ConstructorParameters<typeof QueryCommand>[0]> = {}) =>
      client.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': S('q-1') },
          ConsistentRead: true,
          ...extra,
        }),
      );
    const sks = (page: { Items?: Record<string, { S?: string }>[] }) =>
      (page.Items ?? []).map((item) => item.sk?.S);
    expect(sks(await query())).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(sks(await query({ ScanIndexForward: false }))).toEqual(['e', 'd', 'c', 'b', 'a']);
    const first = await query({ Limit: 2 });
    expect(sks(first)).toEqual(['a', 'b']);
    expect(sks(await query({ Limit: 2, ExclusiveStartKey: first.LastEvaluatedKey }))).toEqual(['c', 'd']);
    expect(
      sks(
        await query({
          KeyConditionExpression: 'pk = :pk AND sk > :after',
          FilterExpression: 'n <> :skip',
          ExpressionAttributeValues: { ':pk': S('q-1'), ':after': S('a'), ':skip': { N: '2' } },
        }),
      ),
    ).toEqual(['b', 'd', 'e']);
    expect((await query({ ExpressionAttributeValues: { ':pk': S('q-absent') } })).Items).toEqual([]);
  });
});
