import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runCommand } from '#lib/local/commands';
import { outcomeOf, PIN1, PIN2, shinagawaWorld } from './world.ts';

/**
 * Deleting the account (退会, design.md §3.10) end to end: a sign proof over a step-up challenge, then a
 * full scan of the table finds nothing of the person but the tombstone, old tokens are refused, the phone
 * gets no more pushes, and the same card registers again as a new account. And a deletion racing a login.
 */
const world = shinagawaWorld();

/** An item as the scan shows it, with the attributes this test reads. */
interface StoredItem {
  pk: string;
  sk: string;
  jwk: { x: string };
  tokenSha256: string;
  wrappedDataKey: string;
  certificate: { serial: string; sha256: string };
  sealed: Record<string, { ciphertext: string }>;
}

/** The table's items as JSON texts. */
const scan = () => world.table.snapshot();

describe('退会: deleting the account', () => {
  it('shreds everything of the person: a full scan finds only the tombstone; tokens, pushes and keys stop', async () => {
    const { card, phone, device, email } = await world.settledResident({
      name: `退会\u3000${randomUUID().slice(0, 8)}`,
      address: '東京都品川区広町2-1-10',
    });
    const accountId = phone.account?.accountId as string;
    const token = phone.accessToken as string;
    const me = await world.api.me(token);
    const before = (await scan()).map((item) => JSON.parse(item) as StoredItem);
    const mine = before.filter((item) => item.pk === `ACCOUNT#${accountId}`);
    const profile = mine.find((item) => item.sk === 'PROFILE') as StoredItem;
    const keys = mine.filter((item) => String(item.sk).startsWith('DEVICEKEY#')).map((item) => item.jwk.x);
    const secrets: Record<string, string> = {
      name: me.name as string,
      address: me.address as string,
      email,
      'device token': device,
      'wrapped data key': profile.wrappedDataKey,
      'certificate serial': profile.certificate.serial,
      'certificate SHA-256': profile.certificate.sha256,
      ...Object.fromEntries(
        Object.entries(profile.sealed).map(([field, sealed]) => [`sealed ${field}`, sealed.ciphertext]),
      ),
      ...Object.fromEntries(keys.map((x, i) => [`device key ${i}`, x])),
    };
    secrets['device token hash'] = mine.find((item) => item.sk === 'DEVICE')?.tokenSha256 as string;

    await phone.leave(world.api, PIN2);

    const after = await scan();
    for (const [what, value] of Object.entries(secrets)) {
      expect(
        after.filter((item) => item.includes(value)),
        what,
      ).toEqual([]);
    }
    const left = after.filter((item) => item.includes(accountId)).map((item) => JSON.parse(item));
    expect(left).toEqual([
      { pk: `ACCOUNT#${accountId}`, sk: 'PROFILE', accountId, deletedAt: expect.any(String) },
    ]);

    expect(await outcomeOf(world.api.me(token))).toBe('401 unauthorized');
    expect(await outcomeOf(world.api.activity(token))).toBe('401 unauthorized');
    expect(await outcomeOf(phone.login(world.api, PIN1))).toBe('422 proof_invalid');
    const noticeId = randomUUID();
    await runCommand(
      'bin/municipality.ts',
      ['publish', '131091', '--title', '退会の後', '--body', '本文', '--id', noticeId],
      {
        ...process.env,
        XID_LOCAL_DIR: world.runtime.stateDir,
      },
    );
    expect(await world.pushedNoticeIds(device)).not.toContain(noticeId);

    // The same card registers again, as a new account.
    const again = await world.registeredPhone({}, card);
    expect(again.account?.accountId).not.toBe(accountId);
    await again.activate(world.api, PIN1, PIN2);
    expect((await world.api.me(again.accessToken as string)).name).toBe(me.name);
  });

  it('refuses a proof by the wrong key (422 proof_invalid) or for another purpose, and changes nothing', async () => {
    const { phone } = await world.settledResident({
      name: `退会\u3000${randomUUID().slice(0, 8)}`,
      address: '東京都品川区広町2-1-10',
    });
    const token = phone.accessToken as string;
    const accountId = phone.account?.accountId as string;
    const challenge = await world.api.request<{ challengeId: string; nonce: string }>(
      'POST',
      '/v1/me/challenges',
      {},
      { authorization: `Bearer ${token}` },
    );
    const statement = {
      type: 'xid/deletion/v1',
      accountId,
      challengeId: challenge.challengeId,
      nonce: challenge.nonce,
    };
    const before = await scan();
    for (const signProof of [
      await phone.prove('auth', PIN1, statement),
      await phone.prove('sign', PIN2, { ...statement, type: 'xid/reverification/v1' }),
    ]) {
      expect(await outcomeOf(world.api.deleteAccount(token, { signProof }))).toBe('422 proof_invalid');
    }
    expect(await scan()).toEqual(before);
    expect((await world.api.me(token)).accountId).toBe(accountId);
  });
});

describe('a deletion racing a login', () => {
  it('ends with the account deleted: no 5xx, every token refused, nothing of it left but the tombstone', async () => {
    for (let round = 0; round < 3; round++) {
      const { phone } = await world.settledResident({
        name: `退会\u3000${randomUUID().slice(0, 8)}`,
        address: '東京都品川区広町2-1-10',
      });
      const accountId = phone.account?.accountId as string;
      const [deletion, login] = await Promise.all([
        outcomeOf(phone.leave(world.api, PIN2)),
        outcomeOf(phone.login(world.api, PIN1)),
      ]);
      expect(deletion).toBe(200);
      expect([200, '422 proof_invalid']).toContain(login);
      if (phone.accessToken)
        expect(await outcomeOf(world.api.me(phone.accessToken))).toBe('401 unauthorized');
      // A login challenge the race left unused names the account until its TTL (5 minutes) removes it.
      const left = (await scan())
        .filter((item) => item.includes(accountId))
        .map((item) => JSON.parse(item))
        .filter((item) => !String(item.pk).startsWith('SESSCHALLENGE#'));
      expect(left).toEqual([
        { pk: `ACCOUNT#${accountId}`, sk: 'PROFILE', accountId, deletedAt: expect.any(String) },
      ]);
    }
  });
});
