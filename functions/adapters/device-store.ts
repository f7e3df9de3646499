import { DeleteCommand, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../shared/clients.ts';
import type { PushPlatform } from './push.ts';
import { KEYS } from './table-keys.ts';

/** A resident's push device: its platform endpoint and whether SNS still delivers to it. */
export interface DeviceRecord {
  platform: PushPlatform;
  endpointArn: string;
  tokenSha256: string;
  enabled: boolean;
}

/** A resident's subscription to their municipality's push topic. */
export interface SubscriptionRecord {
  code: string;
  topicArn: string;
  subscriptionArn: string;
  endpointArn: string;
}

/** DynamoDB side of push devices, notice subscriptions and their consents. */
export function deviceStore(tableName: string) {
  const get = async <T>(key: { pk: string; sk: string }) =>
    (await dynamo().send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item as
      | T
      | undefined;
  return {
    device: (accountId: string) => get<DeviceRecord>(KEYS.device(accountId)),
    subscription: (accountId: string) => get<SubscriptionRecord>(KEYS.subscription(accountId)),
    endpointOwner: async (endpointArn: string) =>
      (await get<{ accountId: string }>(KEYS.endpoint(endpointArn)))?.accountId,

    /** The device and the endpoint → account index, together. */
    async saveDevice(accountId: string, device: DeviceRecord, at: Date): Promise<void> {
      await dynamo().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: tableName,
                Item: { ...KEYS.device(accountId), ...device, updatedAt: at.toISOString() },
              },
            },
            { Put: { TableName: tableName, Item: { ...KEYS.endpoint(device.endpointArn), accountId } } },
          ],
        }),
      );
    },

    async saveSubscription(accountId: string, subscription: SubscriptionRecord): Promise<void> {
      await dynamo().send(
        new PutCommand({ TableName: tableName, Item: { ...KEYS.subscription(accountId), ...subscription } }),
      );
    },

    /** The subscription and the consents it was given with, together. */
    async subscribe(
      accountId: string,
      subscription: SubscriptionRecord,
      consents: { kind: string; version: string }[],
      at: Date,
    ): Promise<void> {
      await dynamo().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: tableName,
                Item: { ...KEYS.subscription(accountId), ...subscription, at: at.toISOString() },
              },
            },
            ...consents.map((consent) => ({
              Put: {
                TableName: tableName,
                Item: { ...KEYS.consent(accountId, consent.kind), ...consent, at: at.toISOString() },
              },
            })),
          ],
        }),
      );
    },

    async deleteSubscription(accountId: string): Promise<void> {
      await dynamo().send(new DeleteCommand({ TableName: tableName, Key: KEYS.subscription(accountId) }));
    },
  };
}

export type DeviceStore = ReturnType<typeof deviceStore>;
