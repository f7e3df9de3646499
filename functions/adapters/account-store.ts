import type { AccountRecord, AccountStatus, DeviceJwk } from '../account/model.ts';
import type { AccountPorts } from '../account/ports.ts';
import type { AuthPorts, SessionChallenge } from '../auth/ports.ts';
import { ProblemError } from '../shared/problems.ts';
import { table } from './table.ts';
import { epochSeconds, KEYS } from './table-keys.ts';

type AccountStorePorts = Pick<AccountPorts, 'account'> &
  Pick<
    AuthPorts,
    | 'accountStatus'
    | 'deviceKey'
    | 'activationNonce'
    | 'activate'
    | 'saveSessionChallenge'
    | 'sessionChallenge'
    | 'consumeSessionChallenge'
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
      const refused = await db.transact(
        [
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
        ],
        [1, 0],
      );
      if (refused === 1) throw new ProblemError('already_active');
      if (refused === 0) throw new ProblemError('challenge_invalid');
    },

    async saveSessionChallenge(challenge: SessionChallenge): Promise<void> {
      const saved = await db.put(
        {
          ...KEYS.sessionChallenge(challenge.challengeId),
          accountId: challenge.accountId,
          nonce: challenge.nonce,
          expiresAt: epochSeconds(challenge.expiresAt),
        },
        'attribute_not_exists(pk)',
      );
      if (!saved) throw new ProblemError('service_unavailable', 'A challenge id was used twice');
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
      const consumed = await db.delete(KEYS.sessionChallenge(challengeId), {
        condition: 'attribute_exists(pk) AND expiresAt > :now',
        values: { ':now': epochSeconds(now) },
      });
      if (!consumed) throw new ProblemError('challenge_invalid');
    },
  } satisfies AccountStorePorts;
}
