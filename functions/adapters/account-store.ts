import type { AccountRecord, AccountStatus, DeviceJwk } from '../account/model.ts';
import type { AccountPorts } from '../account/ports.ts';
import type { AuthPorts } from '../auth/ports.ts';
import { ProblemError } from '../shared/problems.ts';
import { type ItemKey, table, usedChallengeItem } from './table.ts';
import { epochSeconds, KEYS } from './table-keys.ts';

type AccountStorePorts = Pick<AccountPorts, 'account'> &
  Pick<AuthPorts, 'accountStatus' | 'deviceKey' | 'activationNonce' | 'activate' | 'useChallenge'>;

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

    /**
     * Consumes the nonce and activates the account in one transaction; `challenge_invalid`/`already_active`.
     * The same transaction makes the registration permanent: it removes the expiry (TTL) that the account,
     * its consents, its device keys and its certificate index were written with (registration-store.ts).
     */
    async activate(accountId: string, nonce: string, now: Date): Promise<void> {
      const account = KEYS.account(accountId);
      const items = await db.partition(account.pk);
      const profile = items.find((item) => item.sk === account.sk);
      const certificate = profile?.certificate as { issuerSha256: string; serial: string } | undefined;
      const permanent = (key: ItemKey, condition: string, values: Record<string, unknown> = {}) => ({
        Update: {
          Key: key,
          UpdateExpression: 'REMOVE expiresAt',
          ConditionExpression: condition,
          ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
        },
      });
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
              Key: account,
              UpdateExpression: 'SET #status = :active, activatedAt = :at REMOVE expiresAt',
              ConditionExpression: '#status = :pending',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':active': 'active',
                ':pending': 'pending_activation',
                ':at': now.toISOString(),
              },
            },
          },
          ...(certificate
            ? [
                permanent(KEYS.certificate(certificate.issuerSha256, certificate.serial), 'accountId = :id', {
                  ':id': accountId,
                }),
              ]
            : []),
          ...items
            .filter((item) => item.sk !== account.sk && item.expiresAt !== undefined)
            .map((item) => permanent({ pk: item.pk, sk: item.sk }, 'attribute_exists(pk)')),
        ],
        [1, 0],
      );
      if (refused === 1) throw new ProblemError('already_active');
      if (refused === 0) throw new ProblemError('challenge_invalid');
    },

    /** Records the use of a challenge, once; `challenge_invalid` when it was used before. */
    async useChallenge(challenge: { challengeId: string; expiresAt: Date }): Promise<void> {
      if ((await db.transact([usedChallengeItem(challenge)], [0])) !== undefined)
        throw new ProblemError('challenge_invalid');
    },
  } satisfies AccountStorePorts;
}
