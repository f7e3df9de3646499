import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DeviceJwk, SealedField } from '../registration/model.ts';
import { dynamo } from '../shared/clients.ts';
import { Failure } from '../shared/problems.ts';
import { epochSeconds, KEYS } from './table-keys.ts';

/** An account as stored (personal fields sealed). */
export interface StoredAccount {
  accountId: string;
  status: 'pending_activation' | 'active';
  name: string;
  sealed: Record<string, SealedField>;
  wrappedDataKey: string;
  municipality: { code: string; name: string; prefecture: string; ward?: { code: string; name: string } };
  email?: { address: string; verified: boolean; deliverable: boolean };
}

/** DynamoDB side of activation, sessions and `GET /v1/me`. */
export function accountStore(tableName: string) {
  const get = async (key: { pk: string; sk: string }) =>
    (await dynamo().send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;

  return {
    async account(accountId: string): Promise<StoredAccount | undefined> {
      return (await get(KEYS.account(accountId))) as StoredAccount | undefined;
    },

    async deviceKey(accountId: string, key: 'auth' | 'sign'): Promise<DeviceJwk | undefined> {
      return (await get(KEYS.deviceKey(accountId, key)))?.jwk as DeviceJwk | undefined;
    },

    async activationNonce(accountId: string): Promise<{ nonce: string; expiresAt: Date } | undefined> {
      const item = await get(KEYS.activation(accountId));
      return item
        ? { nonce: String(item.nonce), expiresAt: new Date(Number(item.expiresAt) * 1000) }
        : undefined;
    },

    /** Consumes the nonce and activates the account in one transaction; `challenge_invalid`/`already_active`. */
    async activate(accountId: string, nonce: string, now: Date): Promise<void> {
      try {
        await dynamo().send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Delete: {
                  TableName: tableName,
                  Key: KEYS.activation(accountId),
                  ConditionExpression: 'nonce = :nonce AND expiresAt > :now',
                  ExpressionAttributeValues: { ':nonce': nonce, ':now': epochSeconds(now) },
                },
              },
              {
                Update: {
                  TableName: tableName,
                  Key: KEYS.account(accountId),
                  UpdateExpression: 'SET #status = :active, activatedAt = :at',
                  ConditionExpression: '#status = :pending',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: {
                    ':active': 'active',
                    ':pending': 'pending_activation',
                    ':at': now.toISOString(),
                  },
                },
              },
            ],
          }),
        );
      } catch (error) {
        if (error instanceof TransactionCanceledException) {
          const [nonceReason, accountReason] = error.CancellationReasons ?? [];
          if (accountReason?.Code === 'ConditionalCheckFailed') throw new Failure('already_active');
          if (nonceReason?.Code === 'ConditionalCheckFailed') throw new Failure('challenge_invalid');
        }
        throw error;
      }
    },

    async saveSessionChallenge(challenge: {
      challengeId: string;
      accountId: string;
      nonce: string;
      expiresAt: Date;
    }) {
      await dynamo().send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...KEYS.sessionChallenge(challenge.challengeId),
            accountId: challenge.accountId,
            nonce: challenge.nonce,
            expiresAt: epochSeconds(challenge.expiresAt),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    },

    async sessionChallenge(challengeId: string) {
      const item = await get(KEYS.sessionChallenge(challengeId));
      return item
        ? {
            challengeId,
            accountId: String(item.accountId),
            nonce: String(item.nonce),
            expiresAt: new Date(Number(item.expiresAt) * 1000),
          }
        : undefined;
    },

    /** Deletes the challenge if it is still there and unexpired; `challenge_invalid` otherwise. */
    async consumeSessionChallenge(challengeId: string, now: Date): Promise<void> {
      try {
        await dynamo().send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Delete: {
                  TableName: tableName,
                  Key: KEYS.sessionChallenge(challengeId),
                  ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now',
                  ExpressionAttributeValues: { ':now': epochSeconds(now) },
                },
              },
            ],
          }),
        );
      } catch (error) {
        if (error instanceof TransactionCanceledException) throw new Failure('challenge_invalid');
        throw error;
      }
    },

    /** Failed proofs of an account in the current window. */
    async failures(accountId: string, now: Date): Promise<{ count: number; windowEnds: Date } | undefined> {
      const item = await get(KEYS.proofFailures(accountId));
      if (!item || Number(item.expiresAt) * 1000 <= now.getTime()) return undefined;
      return { count: Number(item.count), windowEnds: new Date(Number(item.expiresAt) * 1000) };
    },

    /** Counts one failed proof; a new window starts when the last one has passed. */
    async recordFailure(accountId: string, now: Date, windowSeconds: number): Promise<void> {
      const nowSeconds = epochSeconds(now);
      try {
        await dynamo().send(
          new UpdateCommand({
            TableName: tableName,
            Key: KEYS.proofFailures(accountId),
            UpdateExpression: 'ADD #count :one',
            ConditionExpression: 'expiresAt > :now',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: { ':one': 1, ':now': nowSeconds },
          }),
        );
      } catch {
        await dynamo().send(
          new PutCommand({
            TableName: tableName,
            Item: { ...KEYS.proofFailures(accountId), count: 1, expiresAt: nowSeconds + windowSeconds },
          }),
        );
      }
    },
  };
}

export type AccountStore = ReturnType<typeof accountStore>;
