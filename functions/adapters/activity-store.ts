import { createHash } from 'node:crypto';
import { canonicalBytes } from '../shared/jcs.ts';
import { type TableTransactItem, table } from './table.ts';
import { KEYS } from './table-keys.ts';

/**
 * The resident's activity (design.md §3.11) as a hash chain: `hash = base64url(SHA-256(prevHash ‖ JCS(entry
 * without hash)))`, `prevHash` of entry 1 being 32 zero bytes. The head item holds the newest `seq` and
 * `hash`; an append writes the entry and moves the head in the same transaction as whatever the entry
 * records, on the condition that the head is still where it was read, so no two entries share a `seq`.
 */
export interface ActivityHead {
  seq: number;
  hash: string;
}

export interface NewActivity {
  at: Date;
  type: string;
  detail: Record<string, unknown>;
}

const GENESIS = Buffer.alloc(32);

/** The chained entry that follows `head`. */
export function chainedEntry(head: ActivityHead | undefined, activity: NewActivity) {
  const entry = {
    seq: (head?.seq ?? 0) + 1,
    at: activity.at.toISOString(),
    type: activity.type,
    detail: activity.detail,
  };
  const previous = head ? Buffer.from(head.hash, 'base64url') : GENESIS;
  const hash = createHash('sha256').update(previous).update(canonicalBytes(entry)).digest('base64url');
  return { ...entry, hash };
}

export async function activityHead(tableName: string, accountId: string): Promise<ActivityHead | undefined> {
  const item = await table(tableName).get(KEYS.activityHead(accountId));
  return item ? { seq: Number(item.seq), hash: String(item.hash) } : undefined;
}

/** The two transaction items of an append after `head`: the new entry, and the head moved on to it. */
export function activityWrites(
  accountId: string,
  head: ActivityHead | undefined,
  activity: NewActivity,
): TableTransactItem[] {
  const entry = chainedEntry(head, activity);
  return [
    {
      Put: {
        Item: { ...KEYS.activity(accountId, entry.seq), ...entry },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Put: {
        Item: { ...KEYS.activityHead(accountId), seq: entry.seq, hash: entry.hash },
        ConditionExpression: head ? 'seq = :seq' : 'attribute_not_exists(pk)',
        ...(head ? { ExpressionAttributeValues: { ':seq': head.seq } } : {}),
      },
    },
  ];
}
