import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AccountRecord, AccountStatus, DeviceJwk } from '../account/model.ts';
import type { AccountPorts } from '../account/ports.ts';
import type { ActivityEvent, ActivityHead } from '../activity/model.ts';
import type { AccountState, AuthPorts, SessionChallenge } from '../auth/ports.ts';
import { dynamo } from '../shared/clients.ts';
import type { CurrentState } from '../shared/http/resident-auth.ts';
import { ProblemError } from '../shared/problems.ts';
import type { StepUpPorts } from '../step-up/ports.ts';
import { transactWithActivity } from './activity-log.ts';
import { isConditionFailure } from './dynamo-errors.ts';
import { table } from './table.ts';
import { epochSeconds, KEYS } from './table-keys.ts';

type AccountStorePorts = Pick<AccountPorts, 'account'> &
  Pick<StepUpPorts, 'accountExists'> & {
    tokenGeneration(accountId: string): Promise<number | undefined>;
    residentState(accountId: string): Promise<CurrentState>;
  } & Pick<
    AuthPorts,
    | 'accountState'
    | 'deviceKey'
    | 'activationNonce'
    | 'activate'
    | 'saveSessionChallenge'
    | 'sessionChallenge'
    | 'consumeSessionChallenge'
    | 'failures'
    | 'recordFailure'
  >;

/** A condition that the account item's token generation is `:generation` (an absent one counts as 0). */
export const sameGeneration = (generation: number) =>
  generation === 0
    ? '(attribute_not_exists(tokenGeneration) OR tokenGeneration = :generation)'
    : 'tokenGeneration = :generation';

/** DynamoDB side of the account: `GET /v1/me`, activation and sessions. */
export function accountStore(tableName: string) {
  const db = table(tableName);
  const get = db.get;

  return {
    /** The live account; undefined for none, or for a deleted one's tombstone (which has no status). */
    async account(accountId: string): Promise<AccountRecord | undefined> {
      const item = await get(KEYS.account(accountId));
      return item?.status ? (item as unknown as AccountRecord) : undefined;
    },

    async accountState(accountId: string): Promise<AccountState | undefined> {
      const item = await get(KEYS.account(accountId), [
        'status',
        'tokenGeneration',
        'municipality',
        'activity',
      ]);
      if (!item?.status) return undefined;
      const municipality = item.municipality as AccountRecord['municipality'];
      return {
        status: item.status as AccountStatus,
        tokenGeneration: Number(item.tokenGeneration ?? 0),
        municipality: { code: municipality.code, name: municipality.name },
        activity: item.activity as ActivityHead | undefined,
      };
    },

    /**
     * The account's token generation, for the token checks (the authorizer's and the handlers'): undefined
     * when there is no live account (none, or a deleted one's tombstone).
     */
    async tokenGeneration(accountId: string): Promise<number | undefined> {
      const item = await get(KEYS.account(accountId), ['status', 'tokenGeneration']);
      return item?.status ? Number(item.tokenGeneration ?? 0) : undefined;
    },

    /** The token generation with the account's current municipality, in one read (the inbox's check). */
    async residentState(
      accountId: string,
    ): Promise<{ generation: number; municipality: { code: string; name: string } } | undefined> {
      const item = await get(KEYS.account(accountId), ['status', 'tokenGeneration', 'municipality']);
      if (!item?.status) return undefined;
      const { code, name } = item.municipality as AccountRecord['municipality'];
      return { generation: Number(item.tokenGeneration ?? 0), municipality: { code, name } };
    },

    async accountExists(accountId: string): Promise<boolean> {
      const item = await get(KEYS.account(accountId));
      return item !== undefined && item.deletedAt === undefined;
    },

    /** Status and municipality (code, name): what a token says of its account. */
    async deviceKey(accountId: string, key: 'auth' | 'sign'): Promise<DeviceJwk | undefined> {
      return (await get(KEYS.deviceKey(accountId, key)))?.jwk as DeviceJwk | undefined;
    },

    async activationNonce(accountId: string): Promise<{ nonce: string; expiresAt: Date } | undefined> {
      const item = await get(KEYS.activation(accountId));
      return item
        ? { nonce: String(item.nonce), expiresAt: new Date(Number(item.expiresAt) * 1000) }
        : undefined;
    },

    /** Consumes the nonce, activates the account and records it, together; `challenge_invalid`/`already_active`. */
    async activate(
      accountId: string,
      nonce: string,
      now: Date,
      activity: ActivityEvent,
      head?: ActivityHead | null,
    ): Promise<void> {
      try {
        await transactWithActivity(
          db,
          accountId,
          activity,
          (append) => [
            {
              Delete: {
                Key: KEYS.activation(accountId),
                ConditionExpression: 'nonce = :nonce AND expiresAt > :now',
                ExpressionAttributeValues: { ':nonce': nonce, ':now': epochSeconds(now) },
              },
            },
            append.intoUpdate({
              Key: KEYS.account(accountId),
              // A recovery of an account that was waiting for something else (a re-verification) returns to it.
              UpdateExpression:
                'SET #status = if_not_exists(resumeStatus, :active), activatedAt = :at REMOVE resumeStatus',
              ConditionExpression: '#status = :pending',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':active': 'active',
                ':pending': 'pending_activation',
                ':at': now.toISOString(),
              },
            }),
            append.put,
          ],
          head,
        );
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

    /** Consumes the challenge and records the login on the active account, together. */
    async consumeSessionChallenge(
      challengeId: string,
      accountId: string,
      tokenGeneration: number,
      now: Date,
      activity: ActivityEvent,
      head?: ActivityHead | null,
    ): Promise<void> {
      try {
        await transactWithActivity(
          db,
          accountId,
          activity,
          (append) => [
            {
              Delete: {
                Key: KEYS.sessionChallenge(challengeId),
                ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now',
                ExpressionAttributeValues: { ':now': epochSeconds(now) },
              },
            },
            append.intoUpdate({
              Key: KEYS.account(accountId),
              UpdateExpression: '',
              // A resident whose certificate was revoked still signs in (design.md §3.7).
              ConditionExpression: `#status IN (:active, :revoked) AND ${sameGeneration(tokenGeneration)}`,
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':active': 'active',
                ':revoked': 'reverification_required',
                ':generation': tokenGeneration,
              },
            }),
            append.put,
          ],
          head,
        );
      } catch (error) {
        if (isConditionFailure(error, 0)) throw new ProblemError('challenge_invalid');
        if (isConditionFailure(error, 1)) throw new ProblemError('proof_invalid');
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
