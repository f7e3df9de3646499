import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Municipality } from '../municipality/municipalities.ts';
import type { NewAccount, PendingRegistration, RegistrationChallenge } from '../registration/model.ts';
import type { RegistrationPorts } from '../registration/ports.ts';
import { dynamo } from '../shared/clients.ts';
import { ProblemError } from '../shared/problems.ts';
import { type ActivityAppend, transactWithActivity } from './activity-log.ts';
import { isConditionFailure } from './dynamo-errors.ts';
import { table } from './table.ts';
import { epochSeconds, KEYS } from './table-keys.ts';

type RegistrationStorePorts = Pick<
  RegistrationPorts,
  | 'saveRegistrationChallenge'
  | 'registrationChallenge'
  | 'isCertificateRegistered'
  | 'pendingRegistration'
  | 'createAccount'
>;

/** DynamoDB side of registration: challenges, the certificate index, and the account transaction. */
export function registrationStore(tableName: string) {
  const db = table(tableName);
  return {
    async saveRegistrationChallenge(challenge: RegistrationChallenge): Promise<void> {
      await dynamo().send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...KEYS.registrationChallenge(challenge.challengeId),
            nonce: challenge.nonce,
            expiresAt: epochSeconds(challenge.expiresAt),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    },

    async registrationChallenge(challengeId: string): Promise<RegistrationChallenge | undefined> {
      const Item = await db.get(KEYS.registrationChallenge(challengeId));
      if (!Item) return undefined;
      return { challengeId, nonce: String(Item.nonce), expiresAt: new Date(Number(Item.expiresAt) * 1000) };
    },

    async pendingRegistration(
      issuerSha256: string,
      serial: string,
    ): Promise<PendingRegistration | undefined> {
      const index = await db.get<{ accountId: string }>(KEYS.certificate(issuerSha256, serial));
      if (!index) return undefined;
      const activation = await db.get<{ nonce: string; expiresAt: number; registrationSha256?: string }>(
        KEYS.activation(index.accountId),
      );
      if (!activation?.registrationSha256) return undefined;
      const account = await db.get<{ status?: string; municipality: Municipality }>(
        KEYS.account(index.accountId),
        ['status', 'municipality'],
      );
      if (account?.status !== 'pending_activation') return undefined;
      return {
        accountId: index.accountId,
        municipality: account.municipality,
        activation: { nonce: activation.nonce, expiresAt: new Date(activation.expiresAt * 1000) },
        registrationSha256: activation.registrationSha256,
      };
    },

    async isCertificateRegistered(issuerSha256: string, serial: string): Promise<boolean> {
      const Item = await db.get(KEYS.certificate(issuerSha256, serial));
      return Item !== undefined;
    },

    async createAccount(account: NewAccount, challengeId: string): Promise<void> {
      const { accountId } = account;
      const created = account.createdAt.toISOString();
      // The entry goes last, so that the indices below stay those of the account's own items.
      const items = (append: ActivityAppend) => [
        {
          Delete: {
            Key: KEYS.registrationChallenge(challengeId),
            ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now',
            ExpressionAttributeValues: { ':now': epochSeconds(account.createdAt) },
          },
        },
        {
          Put: {
            Item: append.intoPut({
              ...KEYS.account(accountId),
              accountId,
              status: 'pending_activation',
              name: account.name,
              nameFlags: account.nameFlags,
              sealed: account.sealed,
              wrappedDataKey: account.wrappedDataKey,
              municipality: account.municipality,
              certificate: account.certificate,
              createdAt: created,
            }),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            Item: {
              ...KEYS.certificate(account.certificate.issuerSha256, account.certificate.serial),
              accountId,
              createdAt: created,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...account.consents.map((consent) => ({
          Put: {
            Item: {
              ...KEYS.consent(accountId, consent.kind),
              kind: consent.kind,
              version: consent.version,
              at: created,
            },
          },
        })),
        ...(['auth', 'sign'] as const).map((key) => ({
          Put: {
            Item: {
              ...KEYS.deviceKey(accountId, key),
              key,
              jwk: account.deviceKeys[key],
              createdAt: created,
            },
          },
        })),
        {
          Put: {
            Item: {
              ...KEYS.activation(accountId),
              nonce: account.activation.nonce,
              expiresAt: epochSeconds(account.activation.expiresAt),
              registrationSha256: account.registrationSha256,
            },
          },
        },
        append.put,
      ];
      try {
        await transactWithActivity(db, accountId, account.activity, items, null);
      } catch (error) {
        if (isConditionFailure(error, 0)) throw new ProblemError('challenge_invalid');
        if (isConditionFailure(error, 2)) throw new ProblemError('already_registered');
        throw error;
      }
    },
  } satisfies RegistrationStorePorts;
}
