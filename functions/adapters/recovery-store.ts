import type { AccountStatus, EmailSummary } from '../account/model.ts';
import type { ActivityHead } from '../activity/model.ts';
import type { Municipality } from '../municipality/municipalities.ts';
import type { RecoverableAccount, Recovery } from '../recovery/model.ts';
import type { RecoveryPorts } from '../recovery/ports.ts';
import { ProblemError } from '../shared/problems.ts';
import { sameGeneration } from './account-store.ts';
import { transactWithActivity } from './activity-log.ts';
import { deviceRemovalItems } from './device-store.ts';
import { cancellationReasons, isConditionFailure } from './dynamo-errors.ts';
import { table, usedChallengeItem } from './table.ts';
import { epochSeconds, KEYS } from './table-keys.ts';

interface ProfileItem {
  status?: AccountStatus;
  tokenGeneration?: number;
  activity?: ActivityHead;
  municipality: Municipality;
  email?: EmailSummary;
  certificate: { issuerSha256: string; serial: string };
  resumeStatus?: AccountStatus;
}

/** Statuses an activation does not end in by itself: a recovery keeps them for after the activation. */
const KEPT_THROUGH_ACTIVATION = (status: AccountStatus) =>
  status !== 'active' && status !== 'pending_activation';

/** DynamoDB side of a recovery (design.md §3.9). */
export function recoveryStore(tableName: string) {
  const db = table(tableName);
  return {
    async accountOfCertificate(
      issuerSha256: string,
      serial: string,
    ): Promise<RecoverableAccount | undefined> {
      const index = await db.get<{ accountId: string; superseded?: unknown }>(
        KEYS.certificate(issuerSha256, serial),
      );
      if (!index || index.superseded !== undefined) return undefined;
      const item = await db.get<ProfileItem>(KEYS.account(index.accountId), [
        'status',
        'tokenGeneration',
        'activity',
        'municipality',
        'email',
        'certificate',
        'resumeStatus',
      ]);
      if (!item?.status) return undefined;
      if (item.certificate.issuerSha256 !== issuerSha256 || item.certificate.serial !== serial)
        return undefined;
      return {
        accountId: index.accountId,
        status: item.status,
        tokenGeneration: Number(item.tokenGeneration ?? 0),
        activity: item.activity,
        municipality: item.municipality,
        email: item.email
          ? {
              address: item.email.address,
              verified: item.email.verified,
              deliverable: item.email.deliverable,
            }
          : undefined,
        certificate: { issuerSha256, serial },
        resumeStatus: item.resumeStatus,
      };
    },

    async recover(recovery: Recovery, challenge: { challengeId: string; expiresAt: Date }): Promise<void> {
      const { account, at } = recovery;
      const { accountId } = account;
      const resume =
        account.resumeStatus ?? (KEPT_THROUGH_ACTIVATION(account.status) ? account.status : undefined);
      try {
        await transactWithActivity(
          db,
          accountId,
          recovery.activity,
          (append) => [
            usedChallengeItem(challenge),
            append.intoUpdate({
              Key: KEYS.account(accountId),
              UpdateExpression: `SET #status = :pending, tokenGeneration = :next, recoveredAt = :at${resume ? ', resumeStatus = :resume' : ''}`,
              ConditionExpression: `#status = :status AND ${sameGeneration(account.tokenGeneration)} AND certificate.issuerSha256 = :issuer AND certificate.serial = :serial`,
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':pending': 'pending_activation',
                ':status': account.status,
                ':generation': account.tokenGeneration,
                ':next': account.tokenGeneration + 1,
                ':at': at.toISOString(),
                ':issuer': account.certificate.issuerSha256,
                ':serial': account.certificate.serial,
                ...(resume ? { ':resume': resume } : {}),
              },
            }),
            ...(['auth', 'sign'] as const).map((key) => ({
              Put: {
                Item: {
                  ...KEYS.deviceKey(accountId, key),
                  key,
                  jwk: recovery.deviceKeys[key],
                  createdAt: at.toISOString(),
                },
              },
            })),
            {
              Put: {
                Item: {
                  ...KEYS.activation(accountId),
                  nonce: recovery.activation.nonce,
                  expiresAt: epochSeconds(recovery.activation.expiresAt),
                },
              },
            },
            { Delete: { Key: KEYS.subscription(accountId) } },
            ...deviceRemovalItems(accountId, recovery.removedEndpoint),
            append.put,
          ],
          account.activity ?? null,
        );
      } catch (error) {
        if (isConditionFailure(error, 0)) throw new ProblemError('challenge_invalid');
        if (isConditionFailure(error) || (cancellationReasons(error) ?? []).includes('TransactionConflict')) {
          throw new ProblemError('account_changed', undefined, { cause: error });
        }
        throw error;
      }
    },
  } satisfies Pick<RecoveryPorts, 'accountOfCertificate' | 'recover'>;
}
