import type { ActivityEvent } from '../activity/model.ts';
import type { EmailState, MailFeedbackPorts, MailPorts, StoredEmailToken } from '../mail/ports.ts';
import { transactWithActivity } from './activity-log.ts';
import { isConditionFailure } from './dynamo-errors.ts';
import { table } from './table.ts';
import { epochSeconds, KEYS } from './table-keys.ts';

type EmailStorePorts = Pick<
  MailPorts,
  'emailState' | 'recordLink' | 'confirmSent' | 'undoLink' | 'emailToken' | 'confirmEmail'
> &
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

    /** Records a link before its mail goes out: the token and the new e-mail state, together. */
    async recordLink(
      accountId: string,
      next: EmailState,
      token: { hash: string; expiresAt: Date },
      sameAddress?: string,
    ): Promise<boolean> {
      const refused = await db.transact(
        [
          {
            Put: {
              // No address: the confirmation takes the account's own (a link keeps nothing personal).
              Item: { ...KEYS.emailToken(token.hash), accountId, expiresAt: epochSeconds(token.expiresAt) },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Update: {
              Key: KEYS.account(accountId),
              UpdateExpression: 'SET email = :email',
              ConditionExpression:
                sameAddress === undefined
                  ? 'attribute_exists(#status)'
                  : 'email.address = :address AND email.verified = :no',
              ...(sameAddress === undefined ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
              ExpressionAttributeValues: {
                ':email': next,
                ...(sameAddress === undefined ? {} : { ':address': sameAddress, ':no': false }),
              },
            },
          },
        ],
        [1, 0],
      );
      return refused === undefined;
    },

    /** The mail went out: `delivery: 'sent'`, and, for a new address, its activity entry, together. */
    async confirmSent(accountId: string, hash: string, activity?: ActivityEvent): Promise<void> {
      const sent = {
        Key: KEYS.account(accountId),
        UpdateExpression: 'SET email.delivery = :sent',
        ConditionExpression: 'email.tokenHash = :hash',
        ExpressionAttributeValues: { ':sent': 'sent', ':hash': hash },
      };
      if (!activity) {
        await db.update(KEYS.account(accountId), {
          update: sent.UpdateExpression,
          condition: sent.ConditionExpression,
          values: sent.ExpressionAttributeValues,
        });
        return;
      }
      try {
        await transactWithActivity(db, accountId, activity, (append) => [
          append.intoUpdate(sent),
          append.put,
        ]);
      } catch (error) {
        // A newer link replaced this one meanwhile: its own request records it.
        if (!isConditionFailure(error, 0)) throw error;
      }
    },

    /** Refused (a newer request changed the state meanwhile): that request's state stays, and so does this link, unusable. */
    async undoLink(accountId: string, previous: EmailState | undefined, hash: string): Promise<void> {
      await db.transact(
        [
          { Delete: { Key: KEYS.emailToken(hash) } },
          {
            Update: {
              Key: KEYS.account(accountId),
              UpdateExpression: previous ? 'SET email = :previous' : 'REMOVE email',
              ConditionExpression: 'email.tokenHash = :hash',
              ExpressionAttributeValues: { ':hash': hash, ...(previous ? { ':previous': previous } : {}) },
            },
          },
        ],
        [1],
      );
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
            ExpressionAttributeValues: { ':yes': true, ':at': now.toISOString(), ':hash': hash, ':one': 1 },
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
      return db.update(KEYS.account(accountId), {
        update: 'SET email.deliverable = :no',
        condition: 'email.address = :address',
        values: { ':no': false, ':address': address },
      });
    },
  } satisfies EmailStorePorts;
}
