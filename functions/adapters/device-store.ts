import type { ResidentNoticePorts } from '../notices/ports.ts';
import type { DeviceRecord, SubscriptionRecord } from '../push/model.ts';
import type { DeviceStorePorts } from '../push/ports.ts';
import { table } from './table.ts';
import { KEYS } from './table-keys.ts';

/** DynamoDB side of push devices, notice subscriptions and their consents. */
export function deviceStore(tableName: string) {
  const db = table(tableName);
  return {
    device: (accountId: string) => db.get<DeviceRecord>(KEYS.device(accountId)),
    subscription: (accountId: string) => db.get<SubscriptionRecord>(KEYS.subscription(accountId)),
    endpointOwner: async (endpointArn: string) =>
      (await db.get<{ accountId: string }>(KEYS.endpoint(endpointArn)))?.accountId,

    /** The device and the endpoint → account index, together. */
    async saveDevice(accountId: string, device: DeviceRecord, at: Date): Promise<void> {
      await db.transact([
        {
          Put: {
            Item: { ...KEYS.device(accountId), ...device, updatedAt: at.toISOString() },
          },
        },
        { Put: { Item: { ...KEYS.endpoint(device.endpointArn), accountId } } },
      ]);
    },

    async saveSubscription(accountId: string, subscription: SubscriptionRecord): Promise<void> {
      await db.put({ ...KEYS.subscription(accountId), ...subscription });
    },

    /** The subscription and the consents it was given with, together. */
    async recordSubscription(
      accountId: string,
      subscription: SubscriptionRecord,
      consents: { kind: string; version: string }[],
      at: Date,
    ): Promise<void> {
      await db.transact([
        {
          Put: {
            Item: { ...KEYS.subscription(accountId), ...subscription, at: at.toISOString() },
          },
        },
        ...consents.map((consent) => ({
          Put: {
            Item: { ...KEYS.consent(accountId, consent.kind), ...consent, at: at.toISOString() },
          },
        })),
      ]);
    },

    async deleteSubscription(accountId: string): Promise<void> {
      await db.delete(KEYS.subscription(accountId));
    },
  } satisfies DeviceStorePorts & Pick<ResidentNoticePorts, 'recordSubscription'>;
}
