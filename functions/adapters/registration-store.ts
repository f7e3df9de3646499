import type { NewAccount, RegistrationChallenge } from '../registration/model.ts';
import type { RegistrationPorts } from '../registration/ports.ts';
import { ProblemError } from '../shared/problems.ts';
import { table } from './table.ts';
import { epochSeconds, KEYS } from './table-keys.ts';

type RegistrationStorePorts = Pick<
  RegistrationPorts,
  'saveRegistrationChallenge' | 'registrationChallenge' | 'isCertificateRegistered' | 'createAccount'
>;

/** DynamoDB side of registration: challenges, the certificate index, and the account transaction. */
export function registrationStore(tableName: string) {
  const db = table(tableName);
  return {
    async saveRegistrationChallenge(challenge: RegistrationChallenge): Promise<void> {
      const saved = await db.put(
        {
          ...KEYS.registrationChallenge(challenge.challengeId),
          nonce: challenge.nonce,
          expiresAt: epochSeconds(challenge.expiresAt),
        },
        'attribute_not_exists(pk)',
      );
      if (!saved) throw new ProblemError('service_unavailable', 'A challenge id was used twice');
    },

    async registrationChallenge(challengeId: string): Promise<RegistrationChallenge | undefined> {
      const Item = await db.get(KEYS.registrationChallenge(challengeId));
      if (!Item) return undefined;
      return { challengeId, nonce: String(Item.nonce), expiresAt: new Date(Number(Item.expiresAt) * 1000) };
    },

    async isCertificateRegistered(issuerSha256: string, serial: string): Promise<boolean> {
      const Item = await db.get(KEYS.certificate(issuerSha256, serial));
      return Item !== undefined;
    },

    async createAccount(account: NewAccount, challengeId: string): Promise<void> {
      const { accountId } = account;
      const created = account.createdAt.toISOString();
      const items = [
        {
          Delete: {
            TableName: tableName,
            Key: KEYS.registrationChallenge(challengeId),
            ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now',
            ExpressionAttributeValues: { ':now': epochSeconds(account.createdAt) },
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: {
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
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: tableName,
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
            TableName: tableName,
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
            TableName: tableName,
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
            TableName: tableName,
            Item: {
              ...KEYS.activation(accountId),
              nonce: account.activation.nonce,
              expiresAt: epochSeconds(account.activation.expiresAt),
            },
          },
        },
      ];
      const refused = await db.transact(items, [0, 2]);
      if (refused === 0) throw new ProblemError('challenge_invalid');
      if (refused === 2) throw new ProblemError('already_registered');
    },
  } satisfies RegistrationStorePorts;
}
