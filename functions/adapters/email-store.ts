import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ActivityEvent } from '../activity/model.ts';
import type { EmailState, MailFeedbackPorts, MailPorts, StoredEmailToken } from '../mail/ports.ts';
import { dynamo } from '../shared/clients.ts';
import { ProblemError } from '../shared/problems.ts';
import { type ActivityAppend, transactWithActivity } from './activity-log.ts';
import { isConditionFailure } from './dynamo-errors.ts';
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
      // A deleted account's tombstone has no status: no account.
      return { exists: Item?.status !== undefined, email: Item?.email as EmailState | undefined };
    },

    /** Records a sent mail: the new token and the new e-mail state, if nobody changed it meanwhile. */
    async recordMail(
      accountId: string,
      next: EmailState,
      token: { hash: string; expiresAt: Date },
      previousRevision: number,
      activity?: ActivityEvent,
    ) {
      const tokenPut = {
        Put: {
          Item: { ...KEYS.emailToken(token.hash), accountId, expiresAt: epochSeconds(token.expiresAt) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      };
      const update = {
        Key: KEYS.account(accountId),
        UpdateExpression: 'SET email = :email',
        ConditionExpression:
          previousRevision === 0
            ? 'attribute_exists(#status) AND attribute_not_exists(email)'
            : 'attribute_exists(#status) AND email.revision = :previous',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':email': next,
          ...(previousRevision === 0 ? {} : { ':previous': previousRevision }),
        },
      };
      try {
        if (activity) {
          await transactWithActivity(db, accountId, activity, (append: ActivityAppend) => [
            tokenPut,
            append.intoUpdate(update),
            append.put,
          ]);
        } else {
          await db.transact([tokenPut, { Update: update }]);
        }
      } catch (error) {
        if (isConditionFailure(error))
          throw new ProblemError('service_unavailable', 'The e-mail state changed meanwhile; try again', {
            cause: error,
          });
        throw error;
      }
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

    /**
     * Marks the token used and the address verified and records it, in one transaction, and indexes the
     * address for the login hints of Sign in with xID (design.md §3.13); false if a condition failed.
     */
    async confirmEmail(
      accountId: string,
      hash: string,
      now: Date,
      address: string,
      activity: ActivityEvent,
    ): Promise<boolean> {
      try {
        await transactWithActivity(db, accountId, activity, (append) => [
          {
            Update: {
              Key: KEYS.emailToken(hash),
              UpdateExpression: 'SET usedAt = :at',
              ConditionExpression: 'attribute_not_exists(usedAt) AND expiresAt > :now',
              ExpressionAttributeValues: { ':at': now.toISOString(), ':now': epochSeconds(now) },
            },
          },
          append.intoUpdate({
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
          }),
          append.put,
          { Put: { Item: { ...KEYS.emailIndex(address, accountId), accountId } } },
        ]);
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    /** A bounce or complaint for the account's current address: mark it undeliverable. */
    async markUndeliverable(accountId: string, address: string): Promise<boolean> {
      try {
        await dynamo().send(
          new UpdateCommand({
            TableName: tableName,
            Key: KEYS.account(accountId),
            UpdateExpression: 'SET email.deliverable = :no',
            ConditionExpression: 'email.address = :address',
            ExpressionAttributeValues: { ':no': false, ':address': address },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
  } satisfies EmailStorePorts;
}
