import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../shared/clients.ts';
import { Failure } from '../shared/problems.ts';
import { epochSeconds, KEYS } from './table-keys.ts';

/** The e-mail state kept on the account item. `tokenHash` names the only link that still works. */
export interface EmailState {
  address: string;
  verified: boolean;
  deliverable: boolean;
  tokenHash?: string;
  requestedAt: string;
  verifiedAt?: string;
  /** Epoch milliseconds of the mails sent in the last hour (at most five). */
  sentAt: number[];
  /** Optimistic-lock counter: every write of the e-mail state bumps it. */
  revision: number;
}

export function emailStore(tableName: string) {
  return {
    async state(accountId: string): Promise<{ exists: boolean; email?: EmailState }> {
      const { Item } = await dynamo().send(
        new GetCommand({ TableName: tableName, Key: KEYS.account(accountId), ConsistentRead: true }),
      );
      return { exists: Item !== undefined, email: Item?.email as EmailState | undefined };
    },

    /** Records a sent mail: the new token and the new e-mail state, if nobody changed it meanwhile. */
    async recordMail(
      accountId: string,
      next: EmailState,
      token: { hash: string; expiresAt: Date },
      previousRevision: number,
    ) {
      try {
        await dynamo().send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: tableName,
                  Item: {
                    ...KEYS.emailToken(token.hash),
                    accountId,
                    address: next.address,
                    expiresAt: epochSeconds(token.expiresAt),
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Update: {
                  TableName: tableName,
                  Key: KEYS.account(accountId),
                  UpdateExpression: 'SET email = :email',
                  ConditionExpression:
                    previousRevision === 0
                      ? 'attribute_exists(pk) AND attribute_not_exists(email)'
                      : 'attribute_exists(pk) AND email.revision = :previous',
                  ExpressionAttributeValues: {
                    ':email': next,
                    ...(previousRevision === 0 ? {} : { ':previous': previousRevision }),
                  },
                },
              },
            ],
          }),
        );
      } catch (error) {
        if (error instanceof TransactionCanceledException)
          throw new Failure('service_unavailable', 'The e-mail state changed meanwhile; try again');
        throw error;
      }
    },

    async token(hash: string): Promise<{ accountId: string; expiresAt: Date; usedAt?: string } | undefined> {
      const { Item } = await dynamo().send(
        new GetCommand({ TableName: tableName, Key: KEYS.emailToken(hash), ConsistentRead: true }),
      );
      return Item
        ? {
            accountId: String(Item.accountId),
            expiresAt: new Date(Number(Item.expiresAt) * 1000),
            usedAt: Item.usedAt as string | undefined,
          }
        : undefined;
    },

    /** Marks the token used and the address verified in one transaction; false if a condition failed. */
    async confirm(accountId: string, hash: string, now: Date): Promise<boolean> {
      try {
        await dynamo().send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: tableName,
                  Key: KEYS.emailToken(hash),
                  UpdateExpression: 'SET usedAt = :at',
                  ConditionExpression: 'attribute_not_exists(usedAt) AND expiresAt > :now',
                  ExpressionAttributeValues: { ':at': now.toISOString(), ':now': epochSeconds(now) },
                },
              },
              {
                Update: {
                  TableName: tableName,
                  Key: KEYS.account(accountId),
                  UpdateExpression:
                    'SET email.verified = :yes, email.verifiedAt = :at, email.revision = email.revision + :one',
                  ConditionExpression: 'email.tokenHash = :hash',
                  ExpressionAttributeValues: {
                    ':yes': true,
                    ':at': now.toISOString(),
                    ':hash': hash,
                    ':one': 1,
                  },
                },
              },
            ],
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof TransactionCanceledException) return false;
        throw error;
      }
    },

    /** A bounce or complaint for the account's current address: mark it undeliverable. */
    async markUndeliverable(accountId: string, address: string): Promise<boolean> {
      try {
        await dynamo().send(
          new UpdateCommand({
            TableName: tableName,
            Key: KEYS.account(accountId),
            UpdateExpression: 'SET email.deliverable = :no',
            ConditionExpression: 'email.address = :address',
            ExpressionAttributeValues: { ':no': false, ':address': address },
          }),
        );
        return true;
      } catch (error) {
        if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
        throw error;
      }
    },
  };
}

export type EmailStore = ReturnType<typeof emailStore>;
