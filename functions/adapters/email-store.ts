import type { EmailState, MailFeedbackPorts, MailPorts, StoredEmailToken } from '../mail/ports.ts';
import { ProblemError } from '../shared/problems.ts';
import { table } from './table.ts';
import { epochSeconds, KEYS } from './table-keys.ts';

type EmailStorePorts = Pick<MailPorts, 'emailState' | 'recordMail' | 'emailToken' | 'confirmEmail'> &
  MailFeedbackPorts;

/** DynamoDB side of e-mail registration, confirmation and feedback. */
export function emailStore(tableName: string) {
  const db = table(tableName);
  return {
    async emailState(accountId: string): Promise<{ exists: boolean; email?: EmailState }> {
      const Item = await db.get(KEYS.account(accountId));
      return { exists: Item !== undefined, email: Item?.email as EmailState | undefined };
    },

    /** Records a sent mail: the new token and the new e-mail state, if nobody changed it meanwhile. */
    async recordMail(
      accountId: string,
      next: EmailState,
      token: { hash: string; expiresAt: Date },
      previousRevision: number,
    ) {
      const refused = await db.transact(
        [
          {
            Put: {
              Item: {
                ...KEYS.emailToken(token.hash),
                accountId,
                address: next.address,
                expiresAt: epochSeconds(token.expiresAt),
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Update: {
              Key: KEYS.account(accountId),
              UpdateExpression: 'SET email = :email',
              ConditionExpression:
                previousRevision === 0
                  ? 'attribute_exists(pk) AND attribute_not_exists(email)'
                  : 'attribute_exists(pk) AND email.revision = :previous',
              ExpressionAttributeValues: {
                ':email': next,
                ...(previousRevision === 0 ? {} : { ':previous': previousRevision }),
              },
            },
          },
        ],
        [1, 0],
      );
      if (refused !== undefined)
        throw new ProblemError('service_unavailable', 'The e-mail state changed meanwhile; try again');
    },

    async emailToken(hash: string): Promise<StoredEmailToken | undefined> {
      const Item = await db.get(KEYS.emailToken(hash));
      return Item
        ? {
            accountId: String(Item.accountId),
            expiresAt: new Date(Number(Item.expiresAt) * 1000),
            usedAt: Item.usedAt as string | undefined,
          }
        : undefined;
    },

    /** Marks the token used and the address verified in one transaction; false if a condition failed. */
    async confirmEmail(accountId: string, hash: string, now: Date): Promise<boolean> {
      const refused = await db.transact(
        [
          {
            Update: {
              Key: KEYS.emailToken(hash),
              UpdateExpression: 'SET usedAt = :at',
              ConditionExpression: 'attribute_not_exists(usedAt) AND expiresAt > :now',
              ExpressionAttributeValues: { ':at': now.toISOString(), ':now': epochSeconds(now) },
            },
          },
          {
            Update: {
              Key: KEYS.account(accountId),
              UpdateExpression:
                'SET email.verified = :yes, email.verifiedAt = :at, email.revision = email.revision + :one',
              ConditionExpression: 'email.tokenHash = :hash',
              ExpressionAttributeValues: {
                ':yes': true,
                ':at': now.toISOString(),
                ':hash': hash,
                ':one': 1,
              },
            },
          },
        ],
        [0, 1],
      );
      return refused === undefined;
    },

    /** A bounce or complaint for the account's current address: mark it undeliverable. */
    async markUndeliverable(accountId: string, address: string): Promise<boolean> {
      return db.update(KEYS.account(accountId), {
        update: 'SET email.deliverable = :no',
        condition: 'email.address = :address',
        values: { ':no': false, ':address': address },
      });
    },
  } satisfies EmailStorePorts;
}
