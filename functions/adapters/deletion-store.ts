import type { DeletableAccount, Deletion } from '../deletion/model.ts';
import type { DeletionPorts } from '../deletion/ports.ts';
import { ProblemError } from '../shared/problems.ts';
import { sameGeneration } from './account-store.ts';
import { deviceRemovalItems } from './device-store.ts';
import { documentClient, everyItem, UpdateCommand } from './dynamo-client.ts';
import { cancellationReasons, isConditionFailure } from './dynamo-errors.ts';
import { type ItemKey, type TableTransactItem, table } from './table.ts';
import { KEYS } from './table-keys.ts';

/** DynamoDB allows at most 100 items in one transaction. */
const TRANSACTION_LIMIT = 100;

/**
 * The sweep of a deleted account: everything left under its key but the tombstone (the activity log, and
 * whatever was written meanwhile), in transactions of at most 100 deletions; then the tombstone's `sweep`
 * mark goes. Idempotent: `npm run sweep-deleted` runs it again for an account whose sweep was interrupted.
 */
export function accountSweeper(tableName: string) {
  const db = table(tableName);

  /** Keys under the account's partition, without the profile: those in `range`, or all. */
  async function keysUnder(accountId: string, range?: 'not-activity'): Promise<ItemKey[]> {
    const pk = KEYS.account(accountId).pk;
    const queries =
      range === 'not-activity'
        ? [
            { condition: 'pk = :pk AND sk < :from', values: { ':from': KEYS.activityPrefix } },
            { condition: 'pk = :pk AND sk > :to', values: { ':to': `${KEYS.activityPrefix}\uffff` } },
          ]
        : [{ condition: 'pk = :pk', values: {} }];
    const keys: ItemKey[] = [];
    for (const query of queries) {
      const found = await everyItem<ItemKey>({
        TableName: tableName,
        KeyConditionExpression: query.condition,
        ExpressionAttributeValues: { ':pk': pk, ...query.values },
        ProjectionExpression: 'pk, sk',
        ConsistentRead: true,
      });
      keys.push(...found);
    }
    return keys.filter((key) => key.sk !== KEYS.account(accountId).sk);
  }

  return {
    keysUnder,
    async sweepAccount(accountId: string): Promise<number> {
      let swept = 0;
      for (;;) {
        const keys = await keysUnder(accountId);
        if (keys.length === 0) break;
        for (let i = 0; i < keys.length; i += TRANSACTION_LIMIT) {
          await db.transact(keys.slice(i, i + TRANSACTION_LIMIT).map((Key) => ({ Delete: { Key } })));
        }
        swept += keys.length;
      }
      await documentClient.send(
        new UpdateCommand({
          TableName: tableName,
          Key: KEYS.account(accountId),
          UpdateExpression: 'REMOVE sweep',
          ConditionExpression: 'attribute_exists(deletedAt)',
        }),
      );
      return swept;
    },
  };
}

/**
 * DynamoDB side of deleting an account (design.md §3.10). The account's items are those under
 * `ACCOUNT#<id>` (found by a query: the profile, device keys, consents, push device, subscription, activity)
 * and, elsewhere, the certificate index, the activation nonce, the proof counter, the endpoint index and the
 * e-mail link: a capability that keeps an account's item under another key adds it here.
 *
 * The transaction replaces the profile with the tombstone and deletes everything else of the person except
 * the activity entries, whose number is unbounded; `sweepAccount` deletes those (and anything written under
 * the account meanwhile) afterwards, and clears the tombstone's `sweep` mark when done.
 */
export function deletionStore(
  tableName: string,
  useChallengeItem: (accountId: string, challenge: Deletion['challenge'], now: Date) => TableTransactItem,
) {
  const db = table(tableName);
  const { keysUnder, sweepAccount } = accountSweeper(tableName);

  return {
    async deletableAccount(accountId: string): Promise<DeletableAccount | undefined> {
      const item = await db.get<{
        status?: string;
        tokenGeneration?: number;
        certificate: { issuerSha256: string; serial: string };
        superseded?: { issuerSha256: string; serial: string }[];
        email?: { tokenHash?: string; address?: string };
      }>(KEYS.account(accountId), ['status', 'tokenGeneration', 'certificate', 'superseded', 'email']);
      if (!item?.status) return undefined;
      return {
        accountId,
        tokenGeneration: Number(item.tokenGeneration ?? 0),
        certificate: { issuerSha256: item.certificate.issuerSha256, serial: item.certificate.serial },
        supersededCertificates: (item.superseded ?? []).map(({ issuerSha256, serial }) => ({
          issuerSha256,
          serial,
        })),
        emailTokenHash: item.email?.tokenHash,
        emailAddress: item.email?.address,
      };
    },

    async deleteAccount(deletion: Deletion): Promise<void> {
      const { account, at } = deletion;
      const { accountId } = account;
      const ownedBy = {
        ConditionExpression: 'accountId = :owner',
        ExpressionAttributeValues: { ':owner': accountId },
      };
      const items: TableTransactItem[] = [
        useChallengeItem(accountId, deletion.challenge, at),
        {
          Put: {
            Item: { ...KEYS.account(accountId), accountId, deletedAt: at.toISOString(), sweep: 'pending' },
            ConditionExpression: `attribute_exists(#status) AND ${sameGeneration(account.tokenGeneration)}`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':generation': account.tokenGeneration },
          },
        },
        {
          Delete: {
            Key: KEYS.certificate(account.certificate.issuerSha256, account.certificate.serial),
            ...ownedBy,
          },
        },
        // The index entries of certificates replaced at re-verifications (the account still owns them).
        ...account.supersededCertificates.map((old) => ({
          Delete: { Key: KEYS.certificate(old.issuerSha256, old.serial), ...ownedBy },
        })),
        { Delete: { Key: KEYS.activation(accountId) } },
        // The account's mail sending slots (quota-store.ts; the recipient's, keyed by an address hash,
        // are not the account's and expire by themselves).
        { Delete: { Key: KEYS.quota('account', accountId) } },
        ...(account.emailTokenHash ? [{ Delete: { Key: KEYS.emailToken(account.emailTokenHash) } }] : []),
        // The sign-in hints' index of the address (Sign in with xID), when it was confirmed.
        ...(account.emailAddress
          ? [{ Delete: { Key: KEYS.emailIndex(account.emailAddress, accountId) } }]
          : []),
        ...deviceRemovalItems(accountId, deletion.removedEndpoint),
        ...(await keysUnder(accountId, 'not-activity'))
          .filter((key) => key.sk !== KEYS.device(accountId).sk)
          .map((Key) => ({ Delete: { Key } })),
      ];
      if (items.length > TRANSACTION_LIMIT)
        throw new Error('an account holds more items than one transaction takes');
      try {
        await db.transact(items);
      } catch (error) {
        if (isConditionFailure(error, 0)) throw new ProblemError('challenge_invalid');
        if (isConditionFailure(error) || (cancellationReasons(error) ?? []).includes('TransactionConflict')) {
          throw new ProblemError('account_changed', undefined, { cause: error });
        }
        throw error;
      }
    },

    sweepAccount,
  } satisfies Pick<DeletionPorts, 'deletableAccount' | 'deleteAccount' | 'sweepAccount'>;
}
