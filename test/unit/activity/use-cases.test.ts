import { describe, expect, it } from 'vitest';
import { firstBrokenEntry } from '#functions/activity/chain';
import { listActivity } from '#functions/activity/use-cases';
import { codeOf } from '#test/unit/support';
import { memoryActivityLog } from './memory-log.ts';

/** `GET /v1/me/activity` (design.md §3.11) over an in-memory log. */
const ACCOUNT = '00000000-0000-4000-8000-000000000001';
const OTHER = '00000000-0000-4000-8000-000000000002';

function logWith(count: number) {
  const log = memoryActivityLog();
  for (let i = 0; i < count; i++) {
    log.append(ACCOUNT, {
      type: i === 0 ? 'registered' : 'signed_in',
      at: new Date(Date.UTC(2026, 0, 1, 0, i)),
    });
  }
  log.append(OTHER, { type: 'registered', at: new Date(Date.UTC(2026, 0, 1)) });
  return log;
}

describe('listActivity', () => {
  it('lists the account’s own entries newest first, 20 by default', async () => {
    const log = logWith(25);
    const page = await listActivity(ACCOUNT, {}, log);
    expect(page.items.map((entry) => entry.seq)).toEqual(Array.from({ length: 20 }, (_, i) => 25 - i));
    expect(page.nextCursor).not.toBeNull();
  });

  it('walks every page with the cursor, and the pages together verify as one chain', async () => {
    const log = logWith(23);
    const seen = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listActivity(ACCOUNT, { limit: '5', ...(cursor ? { cursor } : {}) }, log);
      seen.push(...page.items);
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen.map((entry) => entry.seq)).toEqual(Array.from({ length: 23 }, (_, i) => 23 - i));
    expect(firstBrokenEntry([...seen].reverse())).toBeUndefined();
  });

  it('answers an exact last page without a cursor', async () => {
    const page = await listActivity(ACCOUNT, { limit: '4' }, logWith(4));
    expect(page.items).toHaveLength(4);
    expect(page.nextCursor).toBeNull();
  });

  it('shows another account nothing of this one', async () => {
    const page = await listActivity(OTHER, { limit: '100' }, logWith(3));
    expect(page.items.map((entry) => entry.type)).toEqual(['registered']);
  });

  it.each([
    [{ limit: '0' }],
    [{ limit: '101' }],
    [{ limit: '2.5' }],
    [{ limit: 'ten' }],
    [{ cursor: 'not-a-cursor!' }],
    [{ cursor: Buffer.from('0').toString('base64url') }],
    [{ cursor: Buffer.from('12abc').toString('base64url') }],
  ])('refuses the query %j', async (query) => {
    expect(await codeOf(listActivity(ACCOUNT, query, logWith(3)))).toBe('invalid_request');
  });
});
