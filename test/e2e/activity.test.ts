import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyActivity } from '#test/harness/phone/activity';
import { latestLink } from '#test/harness/phone/mailbox';
import { PIN1, shinagawaWorld } from './world.ts';

/**
 * The activity log end to end (design.md §3.11): what a resident's first days write into it, read page by
 * page through the virtual phone and checked with the phone's own implementation of the hash rule (which
 * shares no code with the server's).
 */
const world = shinagawaWorld();

describe('the activity log', () => {
  it('records registration, activation, login, e-mail, push and notices, as one chain the phone verifies', async () => {
    const phone = await world.activePhone({ address: '東京都品川区広町2-1-36' });
    await phone.login(world.api, PIN1);
    const token = phone.accessToken as string;
    const email = `hanako.${Date.now()}@example.jp`;
    await world.api.setEmail(token, email);
    await world.api.resendEmail(token);
    await fetch(await latestLink(world.runtime.record.mailboxUrl, email));
    const device = randomBytes(32).toString('hex');
    await world.api.registerPush(token, 'APNS_SANDBOX', device);
    await world.api.registerPush(token, 'APNS_SANDBOX', device);
    await phone.turnNoticesOn(world.api);
    await phone.turnNoticesOn(world.api);
    await world.api.unsubscribeNotices(token);

    const { entries, verified } = await phone.activityLog(world.api, 3);
    expect(verified).toBe(true);
    expect(entries.map((entry) => [entry.seq, entry.type])).toEqual([
      [8, 'notices_off'],
      [7, 'notices_on'],
      [6, 'push_registered'],
      [5, 'email_verified'],
      [4, 'email_set'],
      [3, 'signed_in'],
      [2, 'activated'],
      [1, 'registered'],
    ]);
    expect(entries.at(-1)?.detail).toEqual({ municipality: '131091' });
    expect(entries[2]?.detail).toEqual({ platform: 'APNS_SANDBOX' });
    const me = await world.api.me(token);
    expect(me.activity).toEqual({ seq: 8, hash: entries[0]?.hash });
    const text = JSON.stringify(entries);
    for (const secret of [email, device, me.name, me.address, me.dateOfBirth, token]) {
      expect(text).not.toContain(secret as string);
    }
  });

  it('numbers concurrent logins without gaps or duplicates', async () => {
    const phone = await world.activePhone();
    const logins = 6;
    const results = await Promise.allSettled(
      Array.from({ length: logins }, () => phone.login(world.api, PIN1)),
    );
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    const { entries, verified } = await phone.activityLog(world.api);
    expect(verified).toBe(true);
    expect(entries.map((entry) => entry.seq)).toEqual(
      Array.from({ length: logins + 2 }, (_, i) => logins + 2 - i),
    );
    expect(entries.filter((entry) => entry.type === 'signed_in')).toHaveLength(logins);
  });

  it('lets the phone see an entry rewritten in storage', async () => {
    const phone = await world.activePhone();
    await phone.login(world.api, PIN1);
    const before = await phone.activityLog(world.api);
    expect(before.verified).toBe(true);
    const registered = before.entries.at(-1);
    const accountId = phone.account?.accountId as string;
    await world.table.put({
      pk: `ACCOUNT#${accountId}`,
      sk: `ACTIVITY#${String(1).padStart(12, '0')}`,
      ...registered,
      detail: { municipality: '141003' },
    });
    const after = await phone.activityLog(world.api);
    expect(after.verified).toBe(false);
    expect(await verifyActivity(before.entries, { seq: 3, hash: before.entries[0]?.hash as string })).toBe(
      true,
    );
  });

  it('refuses a bad page request with 400 invalid_request', async () => {
    const phone = await world.activePhone();
    const token = phone.accessToken as string;
    for (const query of ['?limit=0', '?limit=101', '?cursor=%%%']) {
      await expect(world.api.activity(token, query)).rejects.toMatchObject({
        status: 400,
        code: 'invalid_request',
      });
    }
  });
});
