import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Notice } from '../notices/notice.ts';
import { dynamo } from '../shared/clients.ts';
import { KEYS } from './table-keys.ts';

/** An onboarded municipality as the onboarding command records it. */
export interface MunicipalityRecord {
  code: string;
  name: string;
  prefecture: string;
  ingestTopicArn: string;
  publisher: string;
  onboardedAt: string;
}

export interface StoredNotice extends Notice {
  receivedAt: string;
}

/** DynamoDB side of notices: municipalities, notices stored once, and the list residents read. */
export function noticeStore(tableName: string) {
  return {
    async municipality(code: string): Promise<MunicipalityRecord | undefined> {
      const { Item } = await dynamo().send(
        new GetCommand({ TableName: tableName, Key: KEYS.municipality(code) }),
      );
      return Item as MunicipalityRecord | undefined;
    },

    async storeOnce(
      code: string,
      notice: Notice,
      receivedAt: Date,
    ): Promise<'stored' | 'stored-earlier' | 'pushed-earlier'> {
      try {
        await dynamo().send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: tableName,
                  Item: { ...KEYS.noticeId(code, notice.noticeId), publishedAt: notice.publishedAt },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Put: {
                  TableName: tableName,
                  Item: {
                    ...KEYS.notice(code, new Date(notice.publishedAt).toISOString(), notice.noticeId),
                    ...notice,
                    receivedAt: receivedAt.toISOString(),
                  },
                },
              },
            ],
          }),
        );
        return 'stored';
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const { Item } = await dynamo().send(
          new GetCommand({
            TableName: tableName,
            Key: KEYS.noticeId(code, notice.noticeId),
            ConsistentRead: true,
          }),
        );
        if (!Item) throw error;
        return Item.pushedAt ? 'pushed-earlier' : 'stored-earlier';
      }
    },

    async markPushed(code: string, noticeId: string, at: Date): Promise<void> {
      await dynamo().send(
        new UpdateCommand({
          TableName: tableName,
          Key: KEYS.noticeId(code, noticeId),
          UpdateExpression: 'SET pushedAt = :at',
          ExpressionAttributeValues: { ':at': at.toISOString() },
        }),
      );
    },

    /** A page of a municipality's notices, newest first; `cursor` is the opaque key of the last one seen. */
    async page(
      code: string,
      limit: number,
      after?: string,
    ): Promise<{ items: StoredNotice[]; next?: string }> {
      const { Items, LastEvaluatedKey } = await dynamo().send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: after ? 'pk = :pk AND sk < :after' : 'pk = :pk',
          ExpressionAttributeValues: { ':pk': KEYS.noticesOf(code), ...(after ? { ':after': after } : {}) },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      const items = (Items ?? []).map(({ pk: _pk, sk: _sk, ...rest }) => rest as StoredNotice);
      return { items, next: LastEvaluatedKey ? String(LastEvaluatedKey.sk) : undefined };
    },
  };
}

export type NoticeStore = ReturnType<typeof noticeStore>;
