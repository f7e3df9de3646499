import { headOf, nextEntry } from '#functions/activity/chain';
import type { ActivityEntry, ActivityEvent, ActivityHead } from '#functions/activity/model';
import type { ActivityPorts } from '#functions/activity/ports';

/**
 * An in-memory activity log for use-case tests: what the DynamoDB adapter does (number, chain, page), kept
 * in a map, so that fakes of the write ports can record the events their use cases hand them.
 */
export function memoryActivityLog() {
  const logs = new Map<string, ActivityEntry[]>();
  const entries = (accountId: string) => logs.get(accountId) ?? [];
  return {
    append(accountId: string, event: ActivityEvent): ActivityEntry {
      const log = entries(accountId);
      const last = log.at(-1);
      const entry = nextEntry(last && headOf(last), event);
      logs.set(accountId, [...log, entry]);
      return entry;
    },
    entries,
    types: (accountId: string) => entries(accountId).map((entry) => entry.type),
    head: (accountId: string): ActivityHead | undefined => {
      const last = entries(accountId).at(-1);
      return last && headOf(last);
    },
    async activityPage(accountId: string, limit: number, beforeSeq?: number) {
      const older = entries(accountId)
        .filter((entry) => beforeSeq === undefined || entry.seq < beforeSeq)
        .reverse();
      return { items: older.slice(0, limit), more: older.length > limit };
    },
  } satisfies ActivityPorts & Record<string, unknown>;
}
