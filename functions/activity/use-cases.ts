import { ProblemError } from '../shared/problems.ts';
import type { ActivityPorts } from './ports.ts';
import type { ActivityResponse } from './schemas.ts';

/** Page sizes of `GET /v1/me/activity`. */
export const DEFAULT_ACTIVITY_LIMIT = 20;
export const MAX_ACTIVITY_LIMIT = 100;

const CURSOR = /^[1-9]\d{0,11}$/;

function badQuery(pointer: string, detail: string): ProblemError {
  return new ProblemError('invalid_request', 'The query parameters are not valid', {
    errors: [{ pointer, detail }],
  });
}

/**
 * `GET /v1/me/activity?limit=&cursor=`: the account's activity, newest first. The cursor is opaque to the
 * app (base64url of the `seq` the next page starts below).
 */
export async function listActivity(
  accountId: string,
  query: { limit?: string; cursor?: string },
  ports: ActivityPorts,
): Promise<ActivityResponse> {
  const limit = query.limit === undefined ? DEFAULT_ACTIVITY_LIMIT : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ACTIVITY_LIMIT) {
    throw badQuery('/limit', `must be 1 to ${MAX_ACTIVITY_LIMIT}`);
  }
  let beforeSeq: number | undefined;
  if (query.cursor !== undefined) {
    const decoded = Buffer.from(query.cursor, 'base64url').toString('utf8');
    if (!CURSOR.test(decoded)) throw badQuery('/cursor', 'not a cursor');
    beforeSeq = Number(decoded);
  }
  const page = await ports.activityPage(accountId, limit, beforeSeq);
  const last = page.items.at(-1);
  return {
    items: page.items.map(({ seq, at, type, detail, hash }) => ({ seq, at, type, detail, hash })),
    nextCursor: page.more && last ? Buffer.from(String(last.seq), 'utf8').toString('base64url') : null,
  };
}
