import type { ActivityEntry } from './model.ts';

/** What `GET /v1/me/activity` needs: a page of the account's entries, newest first. */
export interface ActivityPorts {
  /** Up to `limit` entries with `seq` below `beforeSeq` (all when omitted), newest first; `more` if older ones exist. */
  activityPage(
    accountId: string,
    limit: number,
    beforeSeq?: number,
  ): Promise<{ items: ActivityEntry[]; more: boolean }>;
}
