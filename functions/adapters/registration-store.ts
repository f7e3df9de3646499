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

    /** Registered: an active account holds it, or a pending registration that has not expired. */
    async isCertificateRegistered(issuerSha256: string, serial: string, now: Date): Promise<boolean> {
      const Item = await db.get(KEYS.certificate(issuerSha256, serial));
      if (!Item) return false;
      return Item.expiresAt === undefined || Number(Item.expiresAt) > epochSeconds(now);
    },

    /**
     * Everything a registration writes expires with its activation nonce (`expiresAt`, TTL): a registration
     * never activated goes away whole, and its certificate may register again as soon as it has expired.
     * Activation removes the expiry from all of it (account-store.ts).
     */
    async createAccount(
      account: NewAccount,
      challenge: { challengeId: string; expiresAt: Date },
    ): Promise<void> {
      const { accountId } = account;
      const created = account.createdAt.toISOString();
      const expiresAt = epochSeconds(account.activation.expiresAt);
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
              expiresAt,
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
              expiresAt,
            },
            // Free, or held by a registration that expired before it was activated.
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
            ExpressionAttributeValues: { ':now': epochSeconds(account.createdAt) },
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
              expiresAt,
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
              expiresAt,
            },
          },
        })),
        {
          Put: {
            TableName: tableName,
            Item: {
              ...KEYS.activation(accountId),
              nonce: account.activation.nonce,
              expiresAt,
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
