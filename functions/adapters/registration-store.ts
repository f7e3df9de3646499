import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { NewAccount, RegistrationChallenge } from '../registration/model.ts';
import { dynamo } from '../shared/clients.ts';
import { Failure } from '../shared/problems.ts';
import { epochSeconds, KEYS } from './table-keys.ts';

/** DynamoDB side of registration: challenges, the certificate index, and the account transaction. */
export function registrationStore(tableName: string) {
  return {
    async saveChallenge(challenge: RegistrationChallenge): Promise<void> {
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

    async findChallenge(challengeId: string): Promise<RegistrationChallenge | undefined> {
      const { Item } = await dynamo().send(
        new GetCommand({
          TableName: tableName,
          Key: KEYS.registrationChallenge(challengeId),
          ConsistentRead: true,
        }),
      );
      if (!Item) return undefined;
      return { challengeId, nonce: String(Item.nonce), expiresAt: new Date(Number(Item.expiresAt) * 1000) };
    },

    async isCertificateRegistered(issuerSha256: string, serial: string): Promise<boolean> {
      const { Item } = await dynamo().send(
        new GetCommand({
          TableName: tableName,
          Key: KEYS.certificate(issuerSha256, serial),
          ConsistentRead: true,
        }),
      );
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
      try {
        await dynamo().send(new TransactWriteCommand({ TransactItems: items }));
      } catch (error) {
        if (error instanceof TransactionCanceledException) {
          const reasons = error.CancellationReasons ?? [];
          if (reasons[0]?.Code === 'ConditionalCheckFailed') throw new Failure('challenge_invalid');
          if (reasons[2]?.Code === 'ConditionalCheckFailed') throw new Failure('already_registered');
        }
        throw error;
      }
    },
  };
}
