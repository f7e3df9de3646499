import type { ActivityEvent } from '../activity/model.ts';
import type { ResidentNoticePorts } from '../notices/ports.ts';
import type { DeviceRecord, SubscriptionRecord } from '../push/model.ts';
import type { DeviceStorePorts } from '../push/ports.ts';
import { ProblemError } from '../shared/problems.ts';
import { transactWithActivity } from './activity-log.ts';
import { DeleteCommand, documentClient } from './dynamo-client.ts';
import { isConditionFailure } from './dynamo-errors.ts';
import { type TableTransactItem, table } from './table.ts';
import { KEYS } from './table-keys.ts';

/** The endpoint → account index names `accountId` (or, for the first, no account yet). */
const OWNED_BY = (accountId: string) => ({
  ConditionExpression: 'accountId = :owner',
  ExpressionAttributeValues: { ':owner': accountId },
});
const OWNED_BY_NONE_OR = (accountId: string) => ({
  ConditionExpression: 'attribute_not_exists(pk) OR accountId = :owner',
  ExpressionAttributeValues: { ':owner': accountId },
});

/**
 * Transaction items that remove the account's push device, as read before the transaction: its endpoint
 * `endpointArn` (already deleted from SNS), or none. They fail (and the transaction with them) if the device
 * changed meanwhile, so that an endpoint registered concurrently is never left behind, unseen.
 */
export function deviceRemovalItems(accountId: string, endpointArn: string | undefined): TableTransactItem[] {
  if (!endpointArn) {
    return [
      { ConditionCheck: { Key: KEYS.device(accountId), ConditionExpression: 'attribute_not_exists(pk)' } },
    ];
  }
  return [
    {
      Delete: {
        Key: KEYS.device(accountId),
        ConditionExpression: 'endpointArn = :endpoint',
        ExpressionAttributeValues: { ':endpoint': endpointArn },
      },
    },
    { Delete: { Key: KEYS.endpoint(endpointArn), ...OWNED_BY_NONE_OR(accountId) } },
  ];
}

/** DynamoDB side of push devices, notice subscriptions and their consents. */
export function deviceStore(tableName: string) {
  const db = table(tableName);
  /** The items alone, or with the activity entry that records them. */
  const write = (accountId: string, items: TableTransactItem[], activity?: ActivityEvent) =>
    activity
      ? transactWithActivity(db, accountId, activity, (append) => [...items, append.update, append.put])
      : db.transact(items);
  return {
    device: (accountId: string) => db.get<DeviceRecord>(KEYS.device(accountId)),
    subscription: (accountId: string) => db.get<SubscriptionRecord>(KEYS.subscription(accountId)),
    endpointOwner: async (endpointArn: string) =>
      (await db.get<{ accountId: string }>(KEYS.endpoint(endpointArn)))?.accountId,

    /** The device and the endpoint → account index, and the activity entry when given, together. */
    async saveDevice(
      accountId: string,
      device: DeviceRecord,
      at: Date,
      activity?: ActivityEvent,
    ): Promise<void> {
      try {
        await write(
          accountId,
          [
            {
              Put: {
                Item: { ...KEYS.endpoint(device.endpointArn), accountId },
                ...OWNED_BY_NONE_OR(accountId),
              },
            },
            { Put: { Item: { ...KEYS.device(accountId), ...device, updatedAt: at.toISOString() } } },
          ],
          activity,
        );
      } catch (error) {
        if (isConditionFailure(error, 0)) throw new ProblemError('push_token_in_use');
        throw error;
      }
    },

    async removeDevice(accountId: string, endpointArn: string, activity: ActivityEvent): Promise<void> {
      try {
        await write(
          accountId,
          [...deviceRemovalItems(accountId, endpointArn), { Delete: { Key: KEYS.subscription(accountId) } }],
          activity,
        );
      } catch (error) {
        // Another request moved or removed the device meanwhile: nothing of this one is left to remove.
        if (!isConditionFailure(error, 0) && !isConditionFailure(error, 1)) throw error;
      }
    },

    async releaseEndpoint(accountId: string, endpointArn: string): Promise<void> {
      try {
        await documentClient.send(
          new DeleteCommand({
            TableName: tableName,
            Key: KEYS.endpoint(endpointArn),
            ...OWNED_BY(accountId),
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },

    async saveSubscription(accountId: string, subscription: SubscriptionRecord): Promise<void> {
      await db.put({ ...KEYS.subscription(accountId), ...subscription });
    },

    /** The subscription and the consents it was given with, and the activity entry when given, together. */
    async recordSubscription(
      accountId: string,
      subscription: SubscriptionRecord,
      consents: { kind: string; version: string }[],
      at: Date,
      activity?: ActivityEvent,
    ): Promise<void> {
      await write(
        accountId,
        [
          { Put: { Item: { ...KEYS.subscription(accountId), ...subscription, at: at.toISOString() } } },
          ...consents.map((consent) => ({
            Put: { Item: { ...KEYS.consent(accountId, consent.kind), ...consent, at: at.toISOString() } },
          })),
        ],
        activity,
      );
    },

    async deleteSubscription(accountId: string, activity?: ActivityEvent): Promise<void> {
      if (activity) await write(accountId, [{ Delete: { Key: KEYS.subscription(accountId) } }], activity);
      else await db.delete(KEYS.subscription(accountId));
    },
  } satisfies DeviceStorePorts & Pick<ResidentNoticePorts, 'recordSubscription'>;
}
