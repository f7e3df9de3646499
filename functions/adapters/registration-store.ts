import type { Municipality } from '../municipality/municipalities.ts';
import type { NewAccount, PendingRegistration } from '../registration/model.ts';
import type { RegistrationPorts } from '../registration/ports.ts';
import { ProblemError } from '../shared/problems.ts';
import { type ActivityAppend, transactWithActivity } from './activity-log.ts';
import { isConditionFailure } from './dynamo-errors.ts';
import { type TableTransactItem, table, usedChallengeItem } from './table.ts';
import { epochSeconds, KEYS } from './table-keys.ts';

type RegistrationStorePorts = Pick<
  RegistrationPorts,
  'challengeUsed' | 'isCertificateRegistered' | 'pendingRegistration' | 'createAccount'
>;

/** DynamoDB side of registration: used challenges, the certificate index, and the account transaction. */
/** The entry item of an append, marked to expire (the same item: the append finds it by identity). */
function withExpiry(put: TableTransactItem, expiresAt: number): TableTransactItem {
  if (put.Put) put.Put.Item = { ...put.Put.Item, expiresAt };
  return put;
}

export function registrationStore(tableName: string) {
  const db = table(tableName);
  return {
    async challengeUsed(challengeId: string): Promise<boolean> {
      return (await db.get(KEYS.usedChallenge(challengeId))) !== undefined;
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
      // The entry goes last, so that the indices below stay those of the account's own items.
      const items = (append: ActivityAppend) => [
        usedChallengeItem(challenge),
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
              expiresAt,
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
              expiresAt,
            },
            // Free, or held by a registration that expired before it was activated.
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
            ExpressionAttributeValues: { ':now': epochSeconds(account.createdAt) },
          },
        },
        ...account.consents.map((consent) => ({
          Put: {
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
            Item: {
              ...KEYS.activation(accountId),
              nonce: account.activation.nonce,
              expiresAt,
              registrationSha256: account.registrationSha256,
            },
          },
        },
        // The log's first entry expires with the rest (activation keeps it, as it keeps everything).
        withExpiry(append.put, expiresAt),
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
