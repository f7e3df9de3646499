import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AccountRecord, AccountStatus, DeviceJwk } from '../account/model.ts';
import type { AccountPorts } from '../account/ports.ts';
import type { AuthPorts, SessionChallenge } from '../auth/ports.ts';
import { dynamo } from '../shared/clients.ts';
import { ProblemError } from '../shared/problems.ts';
import type { StepUpPorts } from '../step-up/ports.ts';
import { isConditionFailure } from './dynamo-errors.ts';
import { table } from './table.ts';
import { epochSeconds, KEYS } from './table-keys.ts';

type AccountStorePorts = Pick<AccountPorts, 'account'> &
  Pick<StepUpPorts, 'accountExists'> & {
    accountStatus(accountId: string): Promise<AccountStatus | undefined>;
  } & Pick<
    AuthPorts,
    | 'accountSummary'
    | 'deviceKey'
    | 'activationNonce'
    | 'activate'
    | 'saveSessionChallenge'
    | 'sessionChallenge'
    | 'consumeSessionChallenge'
    | 'failures'
    | 'recordFailure'
  >;

/** DynamoDB side of the account: `GET /v1/me`, activation and sessions. */
export function accountStore(tableName: string) {
  const db = table(tableName);
  const get = db.get;

  return {
    async account(accountId: string): Promise<AccountRecord | undefined> {
      return (await get(KEYS.account(accountId))) as AccountRecord | undefined;
    },

    async accountStatus(accountId: string): Promise<AccountStatus | undefined> {
      return (await get(KEYS.account(accountId)))?.status as AccountStatus | undefined;
    },

    async accountExists(accountId: string): Promise<boolean> {
      return (await get(KEYS.account(accountId))) !== undefined;
    },

    /** Status and municipality (code, name): what a token says of its account. */
    async accountSummary(accountId: string) {
      const item = (await get(KEYS.account(accountId))) as AccountRecord | undefined;
      if (!item) return undefined;
      return {
        status: item.status,
        municipality: { code: item.municipality.code, name: item.municipality.name },
      };
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
        await db.transact([
          {
            Delete: {
              Key: KEYS.activation(accountId),
              ConditionExpression: 'nonce = :nonce AND expiresAt > :now',
              ExpressionAttributeValues: { ':nonce': nonce, ':now': epochSeconds(now) },
            },
          },
          {
            Update: {
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
        ]);
      } catch (error) {
        if (isConditionFailure(error, 1)) throw new ProblemError('already_active');
        if (isConditionFailure(error, 0)) throw new ProblemError('challenge_invalid');
        throw error;
      }
    },

    async saveSessionChallenge(challenge: SessionChallenge): Promise<void> {
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

    async sessionChallenge(challengeId: string): Promise<SessionChallenge | undefined> {
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
          new DeleteCommand({
            TableName: tableName,
            Key: KEYS.sessionChallenge(challengeId),
            ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now',
            ExpressionAttributeValues: { ':now': epochSeconds(now) },
          }),
        );
      } catch (error) {
        if (isConditionFailure(error)) throw new ProblemError('challenge_invalid');
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
      } catch (error) {
        // Only "no window open" starts a new one; an outage must not reset the count.
        if (!isConditionFailure(error)) throw error;
        await dynamo().send(
          new PutCommand({
            TableName: tableName,
            Item: { ...KEYS.proofFailures(accountId), count: 1, expiresAt: nowSeconds + windowSeconds },
          }),
        );
      }
    },
  } satisfies AccountStorePorts;
}
