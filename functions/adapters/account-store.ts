import type { AccountRecord, AccountStatus, DeviceJwk } from '../account/model.ts';
import type { AccountPorts } from '../account/ports.ts';
import type { ActivityEvent, ActivityHead } from '../activity/model.ts';
import type { AccountState, AuthPorts } from '../auth/ports.ts';
import type { CurrentState } from '../shared/http/resident-auth.ts';
import { ProblemError } from '../shared/problems.ts';
import type { StepUpPorts } from '../step-up/ports.ts';
import { transactWithActivity } from './activity-log.ts';
import { isConditionFailure } from './dynamo-errors.ts';
import { type ItemKey, table, usedChallengeItem } from './table.ts';
import { epochSeconds, KEYS } from './table-keys.ts';

type AccountStorePorts = Pick<AccountPorts, 'account'> &
  Pick<StepUpPorts, 'accountExists'> & {
    tokenGeneration(accountId: string): Promise<number | undefined>;
    residentState(accountId: string): Promise<CurrentState>;
  } & Pick<
    AuthPorts,
    'accountState' | 'deviceKey' | 'activationNonce' | 'activate' | 'consumeSessionChallenge'
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

    /**
     * Consumes the nonce, activates the account and records it, in one transaction;
     * `challenge_invalid`/`already_active`. The same transaction makes the registration permanent: it removes
     * the expiry (TTL) that the account, its consents, its device keys and its certificate index were written
     * with (registration-store.ts), so that an abandoned registration goes whole and never locks a card out.
     */
    async activate(
      accountId: string,
      nonce: string,
      now: Date,
      activity: ActivityEvent,
      head?: ActivityHead | null,
    ): Promise<void> {
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
              Key: account,
              // A recovery of an account that was waiting for something else (a re-verification) returns to it.
              UpdateExpression:
                'SET #status = if_not_exists(resumeStatus, :active), activatedAt = :at REMOVE resumeStatus, expiresAt',
              ConditionExpression: '#status = :pending',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':active': 'active',
                ':pending': 'pending_activation',
                ':at': now.toISOString(),
              },
            }),
            append.put,
            ...(certificate
              ? [
                  permanent(
                    KEYS.certificate(certificate.issuerSha256, certificate.serial),
                    'accountId = :id',
                    {
                      ':id': accountId,
                    },
                  ),
                ]
              : []),
            ...items
              .filter((item) => item.sk !== account.sk && item.expiresAt !== undefined)
              .map((item) => permanent({ pk: item.pk, sk: item.sk }, 'attribute_exists(pk)')),
          ],
          head,
        );
      } catch (error) {
        if (isConditionFailure(error, 1)) throw new ProblemError('already_active');
        if (isConditionFailure(error, 0)) throw new ProblemError('challenge_invalid');
        throw error;
      }
    },

    /** Records the challenge's use and the login on the active account, together. */
    async consumeSessionChallenge(
      challenge: { challengeId: string; expiresAt: Date },
      accountId: string,
      tokenGeneration: number,
      _now: Date,
      activity: ActivityEvent,
      head?: ActivityHead | null,
    ): Promise<void> {
      try {
        await transactWithActivity(
          db,
          accountId,
          activity,
          (append) => [
            usedChallengeItem(challenge),
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
  } satisfies AccountStorePorts;
}
