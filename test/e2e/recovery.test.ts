import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { issueCard } from '#test/harness/cards';
import { mailsTo } from '#test/harness/phone/mailbox';
import { VirtualPhone } from '#test/harness/phone/phone';
import { outcomeOf, PIN1, PIN2, shinagawaWorld, TEST_KDF } from './world.ts';

/**
 * A new phone, a lost phone, forgotten PINs (design.md §3.9) end to end: the card signs a recovery on the
 * new phone; the old phone's tokens, keys and pushes stop at once; the new phone activates; the verified
 * address is told; and two recoveries of one account at once end with one of them.
 */
const world = shinagawaWorld();
const SHINAGAWA = '東京都品川区広町2-1-10';

async function newPhone(): Promise<VirtualPhone> {
  const phone = new VirtualPhone();
  await phone.setPins(PIN1, PIN2, { kdf: TEST_KDF });
  return phone;
}

describe('機種変更: a new phone with the same card', () => {
  it('refuses the old phone’s token, keys and pushes at once, and the new phone takes over', async () => {
    const {
      card,
      phone: old,
      device: oldDevice,
      email,
    } = await world.settledResident({ address: SHINAGAWA });
    const oldToken = old.accessToken as string;
    expect(await world.pushedNoticeIds(oldDevice)).toEqual([]);
    const before = await world.publish('131091', '機種変更の前');
    expect(await world.pushedNoticeIds(oldDevice)).toEqual([before]);
    // The old token works, and is in the local gateway's authorizer cache.
    await world.api.me(oldToken);

    const phone = await newPhone();
    const recovered = await phone.recover(world.api, card.reissue(), card.holder.signPin);
    expect(recovered).toMatchObject({
      accountId: old.account?.accountId,
      status: 'pending_activation',
      municipality: { code: '131091', name: '品川区' },
    });

    // Within the documented window (none: the handlers check every request), the old token is refused.
    expect(await outcomeOf(world.api.me(oldToken))).toBe('401 unauthorized');
    expect(await outcomeOf(world.api.activity(oldToken))).toBe('401 unauthorized');
    expect(await outcomeOf(world.api.registerPush(oldToken, 'APNS_SANDBOX', oldDevice))).toBe(
      '401 unauthorized',
    );
    // The old keys no longer log in; the new ones activate.
    expect(await outcomeOf(old.login(world.api, PIN1))).toBe('422 proof_invalid');
    await phone.activate(world.api, PIN1, PIN2);
    const me = await world.api.me(phone.accessToken as string);
    expect(me).toMatchObject({ status: 'active', email: { address: email, verified: true } });

    // The old phone gets no more pushes; the new one, once it registered and turned notices on, does.
    const newDevice = randomBytes(32).toString('hex');
    await world.api.registerPush(phone.accessToken as string, 'APNS_SANDBOX', newDevice);
    await phone.turnNoticesOn(world.api);
    const after = await world.publish('131091', '機種変更の後');
    expect(await world.pushedNoticeIds(oldDevice)).toEqual([before]);
    expect(await world.pushedNoticeIds(newDevice)).toEqual([after]);

    // The verified address was told; the log says what happened, and verifies on the new phone.
    const mails = await mailsTo(world.runtime.record.mailboxUrl, email);
    expect(mails.at(-1)?.subject).toContain('機種変更');
    expect(mails.at(-1)?.text).not.toContain(recovered.activation.nonce);
    const { entries, verified } = await phone.activityLog(world.api);
    expect(verified).toBe(true);
    expect(entries.slice(0, 4).map((e) => e.type)).toEqual([
      'notices_on',
      'push_registered',
      'activated',
      'device_changed',
    ]);
    expect(entries[3]?.detail).toEqual({ reason: 'recovery', pushRemoved: true, noticesEnded: true });
  });

  it('serves an account stuck in pending_activation (its registration response was lost long ago)', async () => {
    const card = await issueCard(world.pki);
    const stuck = await world.registeredPhone({}, card);
    const phone = await newPhone();
    const recovered = await phone.recover(world.api, card.reissue(), card.holder.signPin);
    expect(recovered.accountId).toBe(stuck.account?.accountId);
    expect(recovered.activation.nonce).not.toBe(stuck.account?.activation.nonce);
    expect(await outcomeOf(stuck.activate(world.api, PIN1, PIN2))).toMatch(
      /^(409 challenge_invalid|422 proof_invalid)$/,
    );
    await phone.activate(world.api, PIN1, PIN2);
    expect((await world.api.me(phone.accessToken as string)).status).toBe('active');
  });

  it('answers a card with no account 404 account_not_found, writing nothing', async () => {
    const card = await issueCard(world.pki);
    const phone = await newPhone();
    const before = await world.table.snapshot();
    expect(await outcomeOf(phone.recover(world.api, card.reissue(), card.holder.signPin))).toBe(
      '404 account_not_found',
    );
    const after = (await world.table.snapshot()).filter((item) => !item.includes('REGCHALLENGE#'));
    expect(after).toEqual(before.filter((item) => !item.includes('REGCHALLENGE#')));
  });
});

describe('two recoveries of one account at once', () => {
  it('end with exactly one: one 200, one 409, no 5xx, and only the winner’s keys activate', async () => {
    const { card, phone: old } = await world.settledResident({ address: SHINAGAWA });
    const phones = await Promise.all([newPhone(), newPhone()]);
    const outcomes = await Promise.all(
      phones.map((p) => outcomeOf(p.recover(world.api, card.reissue(), card.holder.signPin))),
    );
    expect(outcomes.filter((o) => o === 200)).toHaveLength(1);
    expect(outcomes.filter((o) => o !== 200)).toEqual([
      expect.stringMatching(/^409 (account_changed|challenge_invalid)$/),
    ]);
    const winner = phones[outcomes.indexOf(200)] as VirtualPhone;
    const loser = phones[1 - outcomes.indexOf(200)] as VirtualPhone;
    loser.account = winner.account;
    expect(await outcomeOf(loser.activate(world.api, PIN1, PIN2))).toBe('422 proof_invalid');
    await winner.activate(world.api, PIN1, PIN2);
    const { entries, verified } = await winner.activityLog(world.api);
    expect(verified).toBe(true);
    expect(entries.filter((e) => e.type === 'device_changed')).toHaveLength(1);
    expect(await outcomeOf(world.api.me(old.accessToken as string))).toBe('401 unauthorized');
  });
});
