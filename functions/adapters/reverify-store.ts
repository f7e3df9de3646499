import type { ReverificationCommit } from '../reverification/model.ts';
import type { ReverificationPorts } from '../reverification/ports.ts';
import { ProblemError } from '../shared/problems.ts';
import { type ActivityAppend, transactWithActivity } from './activity-log.ts';
import { cancellationReasons } from './dynamo-errors.ts';
import { useStepUpChallengeItem } from './step-up-challenges.ts';
import { type TableTransactItem, table } from './table.ts';
import { epochSeconds, KEYS } from './table-keys.ts';

/**
 * The account item's update: the new items, certificate and municipality, status `active`, the status
 * check's `reverification` (and the notice it may still owe) gone; only if the certificate and status are
 * still those read. Every attribute goes through a name placeholder (several are DynamoDB reserved words).
 */
function accountUpdate(change: ReverificationCommit): NonNullable<TableTransactItem['Update']> {
  const set: Record<string, unknown> = {
    name: change.name,
    sealed: change.sealed,
    certificate: change.certificate,
    municipality: change.municipality,
    status: 'active',
    reverifiedAt: change.at.toISOString(),
    ...(change.nameFlags === undefined ? {} : { nameFlags: change.nameFlags }),
  };
  // The status check's reason goes, and so does a notice it still owes: the resident has re-verified.
  const remove = [
    'reverification',
    'reverificationNotice',
    ...(change.nameFlags === undefined ? ['nameFlags'] : []),
  ];
  const names = [...Object.keys(set), ...remove, 'issuerSha256', 'serial', 'superseded'];
  // The index keys of the certificates this account held before: a deletion removes their entries too.
  const superseded = '#superseded = list_append(if_not_exists(#superseded, :none), :previousCertificate)';
  return {
    Key: KEYS.account(change.accountId),
    UpdateExpression: `SET ${Object.keys(set)
      .map((name) => `#${name} = :${name}`)
      .join(', ')}, ${superseded} REMOVE ${remove.map((name) => `#${name}`).join(', ')}`,
    ConditionExpression:
      '#certificate.#issuerSha256 = :oldIssuer AND #certificate.#serial = :oldSerial AND #status = :oldStatus',
    ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
    ExpressionAttributeValues: {
      ...Object.fromEntries(Object.entries(set).map(([name, value]) => [`:${name}`, value])),
      ':oldIssuer': change.previous.certificate.issuerSha256,
      ':oldSerial': change.previous.certificate.serial,
      ':oldStatus': change.previous.status,
      ':none': [],
      ':previousCertificate': [
        {
          issuerSha256: change.previous.certificate.issuerSha256,
          serial: change.previous.certificate.serial,
        },
      ],
    },
  };
}

/**
 * DynamoDB side of `POST /v1/me/reverification` (design.md §3.8; the status check's side, which sets
 * `reverification_required`, is `reverification-store.ts`): the one transaction that moves an account to
 * its new certificate. The old certificate's index entry stays, marked superseded, so that the certificate can
 * never register or re-verify again; every write is conditional on the account still being as it was read,
 * so that of two re-verifications at once exactly one wins and the other writes nothing.
 */
export function reverifyStore(tableName: string) {
  const db = table(tableName);
  return {
    async commitReverification(change: ReverificationCommit): Promise<void> {
      const { accountId, previous, certificate, subscription } = change;
      const at = change.at.toISOString();
      // The subscription's move, when the municipality changed with notices on: only if it is still the one read.
      const subscriptionItems: TableTransactItem[] = [];
      if (subscription) {
        const condition = {
          ConditionExpression: 'subscriptionArn = :previous',
          ExpressionAttributeValues: { ':previous': subscription.previousArn },
        };
        subscriptionItems.push(
          subscription.next
            ? { Put: { Item: { ...KEYS.subscription(accountId), ...subscription.next, at }, ...condition } }
            : { Delete: { Key: KEYS.subscription(accountId), ...condition } },
        );
      }
      const items = (append: ActivityAppend): TableTransactItem[] => [
        useStepUpChallengeItem(accountId, change.challenge, change.at),
        append.intoUpdate(accountUpdate(change)),
        {
          Put: {
            Item: {
              ...KEYS.certificate(certificate.issuerSha256, certificate.serial),
              accountId,
              createdAt: at,
              replaces: previous.certificate.serial,
            },
            // Free, or held by a registration that expired before it was activated (registration-store.ts).
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
            ExpressionAttributeValues: { ':now': epochSeconds(change.at) },
          },
        },
        {
          Update: {
            Key: KEYS.certificate(previous.certificate.issuerSha256, previous.certificate.serial),
            UpdateExpression: 'SET supersededAt = :at, supersededBy = :serial',
            ConditionExpression: 'accountId = :account AND attribute_not_exists(supersededAt)',
            ExpressionAttributeValues: { ':at': at, ':serial': certificate.serial, ':account': accountId },
          },
        },
        ...subscriptionItems,
        append.put,
      ];
      try {
        const event = {
          type: 'reverified',
          at: change.at,
          detail: { municipality: change.municipality.code },
        } as const;
        await transactWithActivity(db, accountId, event, items);
      } catch (error) {
        const reasons = cancellationReasons(error);
        const failed = (index: number) => reasons?.[index] === 'ConditionalCheckFailed';
        if (failed(0)) throw new ProblemError('challenge_invalid');
        if (failed(2) && !failed(1)) throw new ProblemError('already_registered');
        // Another transaction on the same items at the same moment is a race too, never a 5xx.
        if (reasons?.some((r) => r === 'ConditionalCheckFailed' || r === 'TransactionConflict'))
          throw new ProblemError('conflict');
        throw error;
      }
    },
  } satisfies Pick<ReverificationPorts, 'commitReverification'>;
}
