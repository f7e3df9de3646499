import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBJECT } from '#functions/status-check/messages';
import type { StatusCheckSummary } from '#functions/status-check/use-cases';
import { REPO_ROOT } from '#lib/paths';
import { type IssuedCard, issueCard } from '#test/harness/cards';
import { latestLink, mailsTo } from '#test/harness/phone/mailbox';
import type { VirtualPhone } from '#test/harness/phone/phone';
import { x509 } from '#test/harness/pki/test-pki';
import { PIN1, PIN2, startWorld, type World } from './world.ts';

/**
 * The status check end to end (design.md §3.7): a registered resident's card is revoked in their
 * municipality's next CRL with reason affiliationChanged (they moved); `npm run status-check` finds it,
 * and the resident sees `reverification_required` / `basic_items_changed` in GET /v1/me, one push on
 * their phone and one mail. A second run finds nothing new and tells no one again.
 */
let world: World;

interface Resident {
  card: IssuedCard;
  phone: VirtualPhone;
  token: string;
  device: string;
  email: string;
}

async function resident(name: string): Promise<Resident> {
  const card = await issueCard(world.pki, { name });
  const phone = await world.registeredPhone({}, card);
  const { accessToken: token } = await phone.activate(world.api, PIN1, PIN2);
  const email = `${randomBytes(6).toString('hex')}@example.jp`;
  await world.api.setEmail(token, email);
  await fetch(await latestLink(world.runtime.record.mailboxUrl, email));
  const device = randomBytes(32).toString('hex');
  await world.api.registerPush(token, 'APNS_SANDBOX', device);
  return { card, phone, token, device, email };
}

/**
 * `npm run status-check` against this world's runtime; its summary is the JSON the handler returned.
 * Asynchronous, so that the HTTP client sees the gateway close idle connections meanwhile.
 */
async function statusCheck(): Promise<StatusCheckSummary> {
  const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'status-check'], {
    cwd: REPO_ROOT,
    env: { ...process.env, XID_LOCAL_DIR: world.runtime.stateDir },
    encoding: 'utf8',
  });
  return JSON.parse(stdout.slice(stdout.indexOf('{'))) as StatusCheckSummary;
}

beforeAll(async () => {
  world = await startWorld();
}, 180_000);

afterAll(async () => {
  await world?.stop();
});

describe('status check (現況確認)', () => {
  it('finds a card revoked because its holder moved, and tells the resident once', async () => {
    const moved = await resident('転居\u3000花子');
    const neighbour = await resident('近所\u3000太郎');
    expect(await statusCheck()).toMatchObject({ moved: 0, pushes: 0, mails: 0 });

    await world.pki.publishCrl(moved.card.holder.locality, [
      { serial: moved.card.signature?.serial ?? '', reason: x509.X509CrlReason.affiliationChanged },
    ]);
    expect(await statusCheck()).toMatchObject({
      newSerials: 1,
      registered: 1,
      moved: 1,
      pushes: 1,
      mails: 1,
    });

    const me = await world.api.me(moved.token);
    expect(me).toMatchObject({
      status: 'reverification_required',
      reverification: { reason: 'basic_items_changed', since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
    });
    const pushes = await world.api.localPushes(moved.device);
    expect(pushes).toHaveLength(1);
    const apns = JSON.parse(pushes[0]?.payload.APNS as string);
    expect(apns).toMatchObject({ type: 'reverification_required', reason: 'basic_items_changed' });
    const mails = (await mailsTo(world.runtime.record.mailboxUrl, moved.email)).filter(
      (m) => m.subject === SUBJECT,
    );
    expect(mails).toHaveLength(1);
    expect(mails[0]?.text).toMatch(/基本4情報[\s\S]*----[\s\S]*basic information/);
    for (const told of [JSON.stringify(pushes), mails[0]?.text ?? '', mails[0]?.html ?? '']) {
      expect(told).not.toContain('転居');
      expect(told).not.toContain(moved.card.holder.address);
    }

    // Nothing else changed for the resident, and nothing at all for the neighbour.
    const { accessToken } = await moved.phone.login(world.api, PIN1);
    expect((await world.api.me(accessToken)).status).toBe('reverification_required');
    // The resident's activity log says so, in the same transaction as the move, and still verifies.
    const log = await moved.phone.activityLog(world.api);
    expect(log.verified).toBe(true);
    expect(log.entries.slice(0, 2)).toMatchObject([
      { type: 'signed_in' },
      { type: 'revocation_found', detail: { reason: 'basic_items_changed' } },
    ]);
    expect((await world.api.notices(accessToken)).items).toEqual([]);
    expect(await world.api.me(neighbour.token)).toMatchObject({ status: 'active', reverification: null });
    expect(await world.api.localPushes(neighbour.device)).toEqual([]);

    // Again: nothing new, no one told twice.
    expect(await statusCheck()).toMatchObject({ newSerials: 0, moved: 0, pushes: 0, mails: 0 });
    expect(await world.api.localPushes(moved.device)).toHaveLength(1);
    expect(
      (await mailsTo(world.runtime.record.mailboxUrl, moved.email)).filter((m) => m.subject === SUBJECT),
    ).toHaveLength(1);
  }, 180_000);
});
