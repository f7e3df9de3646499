import type { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { ActivityEvent } from '../activity/model.ts';
import type { DeviceRecord } from '../push/model.ts';
import type { Recipient, Reverification, StatusCheckPorts } from '../status-check/ports.ts';
import { transactWithActivity } from './activity-log.ts';
import { BatchGetCommand, documentClient, UpdateCommand } from './dynamo-client.ts';
import { isConditionFailure } from './dynamo-errors.ts';
import { table } from './table.ts';
import { KEYS } from './table-keys.ts';

/**
 * DynamoDB side of the status check's changes to accounts: certificate index lookups in batches of 100
 * (BatchGetItem's limit), the conditional move to `reverification_required`, and the notice owed to the
 * resident, which exactly one run can claim (`reverificationNotice = pending` is removed conditionally).
 */
const BATCH = 100;
const PARALLEL_BATCHES = 8;

export function reverificationStore(tableName: string) {
  const db = table(tableName);
  async function lookup(keys: { pk: string; sk: string }[]): Promise<Record<string, unknown>[]> {
    const found: Record<string, unknown>[] = [];
    let pending: Record<string, unknown>[] = keys;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 50 * 2 ** attempt)));
      if (attempt > 10) throw new Error('certificate index lookups were not processed');
      const { Responses, UnprocessedKeys } = await documentClient.send(
        new BatchGetCommand({
          RequestItems: { [tableName]: { Keys: pending, ProjectionExpression: 'pk, accountId' } },
        }),
      );
      found.push(...(Responses?.[tableName] ?? []));
      pending = (UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
    }
    return found;
  }

  return {
    async accountsOf(issuerSha256: string, serials: readonly string[]): Promise<Map<string, string>> {
      const bySerial = new Map<string, string>();
      const batches: string[][] = [];
      for (let i = 0; i < serials.length; i += BATCH) batches.push(serials.slice(i, i + BATCH));
      let next = 0;
      const worker = async () => {
        while (next < batches.length) {
          const batch = batches[next++] as string[];
          const items = await lookup(batch.map((serial) => KEYS.certificate(issuerSha256, serial)));
          for (const item of items) {
            const serial = String(item.pk).split('#').at(-1) as string;
            bySerial.set(serial, String(item.accountId));
          }
        }
      };
      await Promise.all(Array.from({ length: PARALLEL_BATCHES }, worker));
      return bySerial;
    },

    async requireReverification(
      accountId: string,
      certificate: { issuerSha256: string; serial: string },
      reverification: Reverification,
    ): Promise<'moved' | 'owed' | 'none'> {
      // The move and its `revocation_found` activity entry, in one transaction (design.md §3.11).
      const found: ActivityEvent = {
        type: 'revocation_found',
        at: new Date(),
        detail: { reason: reverification.reason },
      };
      try {
        await transactWithActivity(db, accountId, found, (append) => [
          append.intoUpdate({
            Key: KEYS.account(accountId),
            UpdateExpression:
              'SET #status = :required, reverification = :reverification, reverificationNotice = :pending',
            ConditionExpression:
              'certificate.issuerSha256 = :issuer AND certificate.serial = :serial AND #status IN (:active, :activation)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':required': 'reverification_required',
              ':reverification': reverification,
              ':pending': 'pending',
              ':issuer': certificate.issuerSha256,
              ':serial': certificate.serial,
              ':active': 'active',
              ':activation': 'pending_activation',
            },
            // A refusal says whether an earlier move still owes its notice.
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
          append.put,
        ]);
        return 'moved';
      } catch (error) {
        if (!isConditionFailure(error, 0)) throw error;
        const item = (error as TransactionCanceledException).CancellationReasons?.[0]?.Item as
          | Record<string, { S?: string } | string>
          | undefined;
        const notice = item?.reverificationNotice;
        return (typeof notice === 'string' ? notice : notice?.S) === 'pending' ? 'owed' : 'none';
      }
    },

    async claimNotice(accountId: string): Promise<Recipient | undefined> {
      let account: Record<string, unknown> | undefined;
      try {
        ({ Attributes: account } = await documentClient.send(
          new UpdateCommand({
            TableName: tableName,
            Key: KEYS.account(accountId),
            UpdateExpression: 'REMOVE reverificationNotice',
            ConditionExpression: 'reverificationNotice = :pending',
            ExpressionAttributeValues: { ':pending': 'pending' },
            ReturnValues: 'ALL_NEW',
          }),
        ));
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
      const device = await table(tableName).get<DeviceRecord>(KEYS.device(accountId));
      const email = account?.email as
        | { address: string; verified: boolean; deliverable: boolean }
        | undefined;
      return {
        endpointArn: device?.enabled ? device.endpointArn : undefined,
        email: email?.verified && email.deliverable ? email.address : undefined,
      };
    },

    async releaseNotice(accountId: string): Promise<void> {
      await documentClient.send(
        new UpdateCommand({
          TableName: tableName,
          Key: KEYS.account(accountId),
          UpdateExpression: 'SET reverificationNotice = :pending',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':pending': 'pending' },
        }),
      );
    },
  } satisfies Pick<
    StatusCheckPorts,
    'accountsOf' | 'requireReverification' | 'claimNotice' | 'releaseNotice'
  >;
}
