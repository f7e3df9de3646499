import type { NewAccount } from '../registration/model.ts';
import type { RegistrationPorts } from '../registration/ports.ts';
import { ProblemError } from '../shared/problems.ts';
import { table, usedChallengeItem } from './table.ts';
import { epochSeconds, KEYS } from './table-keys.ts';

type RegistrationStorePorts = Pick<
  RegistrationPorts,
  'challengeUsed' | 'isCertificateRegistered' | 'createAccount'
>;

/** DynamoDB side of registration: used challenges, the certificate index, and the account transaction. */
export function registrationStore(tableName: string) {
  const db = table(tableName);
  return {
    async challengeUsed(challengeId: string): Promise<boolean> {
      return (await db.get(KEYS.usedChallenge(challengeId))) !== undefined;
    },

    async isCertificateRegistered(issuerSha256: string, serial: string): Promise<boolean> {
      const Item = await db.get(KEYS.certificate(issuerSha256, serial));
      return Item !== undefined;
    },

    async createAccount(
      account: NewAccount,
      challenge: { challengeId: string; expiresAt: Date },
    ): Promise<void> {
      const { accountId } = account;
      const created = account.createdAt.toISOString();
      const items = [
        usedChallengeItem(challenge),
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
