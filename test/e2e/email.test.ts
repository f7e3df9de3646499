import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkedFetch } from '#test/harness/contract';
import type { ApiError } from '#test/harness/phone/api';
import { latestLink, mailsTo } from '#test/harness/phone/mailbox';
import type { VirtualPhone } from '#test/harness/phone/phone';
import { startWorld, type World } from './world.ts';

/** E-mail registration and confirmation end to end (design.md §3.4), with the SES stand-in's mailbox. */
let world: World;
let counter = 0;

async function activePhone(): Promise<{ phone: VirtualPhone; token: string }> {
  const phone = await world.activePhone();
  return { phone, token: phone.accessToken as string };
}

const address = () => `hanako.${Date.now()}.${counter++}@example.jp`;
const failed = (e: unknown) => e as ApiError;
const open = async (link: string) => {
  const response = await checkedFetch(link);
  return {
    status: response.status,
    html: await response.text(),
    csp: response.headers.get('content-security-policy'),
  };
};

beforeAll(async () => {
  world = await startWorld();
}, 180_000);

afterAll(async () => {
  await world?.stop();
});

describe('e-mail confirmation', () => {
  it('register → activate → set e-mail → mail in Japanese and English → link → confirmed', async () => {
    const { token } = await activePhone();
    const email = address();
    expect(await world.api.setEmail(token, email)).toEqual({ email, verified: false, warnings: [] });
    expect((await world.api.me(token)).email).toEqual({ address: email, verified: false, deliverable: true });
    const [mail] = await mailsTo(world.runtime.record.mailboxUrl, email);
    expect(mail?.subject).toBe('【xID】メールアドレスの確認 / Confirm your email address');
    expect(mail?.text).toContain('メールアドレスの確認を完了してください');
    expect(mail?.text).toContain('Open the link below to confirm your email address');
    expect(mail?.text.indexOf('メールアドレス')).toBeLessThan(mail?.text.indexOf('Open the link') ?? 0);
    expect(mail?.html).toContain('lang="en"');
    const link = await latestLink(world.runtime.record.mailboxUrl, email);
    expect(link.startsWith(`${world.runtime.apiUrl}/v1/email-verifications/`)).toBe(true);
    const page = await open(link);
    expect(page.status).toBe(200);
    expect(page.html).toContain('メールアドレスを確認しました');
    expect(page.html).toContain('Your email address is confirmed');
    expect(page.html).not.toMatch(/<script|https?:\/\/(?!.*\/v1)/);
    expect(page.csp).toMatch(/default-src 'none'/);
    const me = await world.api.me(token);
    expect(me.emailVerified).toBe(true);
    expect(me.email).toEqual({ address: email, verified: true, deliverable: true });
  });

  it('warns about carrier domains that refuse outside mail, and accepts them', async () => {
    const { token } = await activePhone();
    const result = await world.api.setEmail(token, `hanako${counter++}@docomo.ne.jp`);
    expect(result.warnings).toEqual(['carrier_domain']);
  });

  it('normalises internationalised domains to A-labels', async () => {
    const { token } = await activePhone();
    const result = await world.api.setEmail(token, `taro${counter++}@例え.テスト`);
    expect(result.email).toMatch(/@xn--r8jz45g\.xn--zckzah$/);
  });
});

describe('e-mail refusals', () => {
  it('a used link shows "already used" (409); an unknown or tampered one "not valid" (404)', async () => {
    const { token } = await activePhone();
    const email = address();
    await world.api.setEmail(token, email);
    const link = await latestLink(world.runtime.record.mailboxUrl, email);
    expect((await open(link)).status).toBe(200);
    const again = await open(link);
    expect([again.status, again.html.includes('すでに使用されています')]).toEqual([409, true]);
    const tampered = link.slice(0, -1) + (link.endsWith('A') ? 'B' : 'A');
    expect((await open(tampered)).status).toBe(404);
    expect((await open(`${world.runtime.apiUrl}/v1/email-verifications/${'x'.repeat(43)}`)).status).toBe(404);
    expect((await open(`${world.runtime.apiUrl}/v1/email-verifications/short`)).status).toBe(404);
  });

  it('an expired link shows "expired" (410), and a resend makes the older link stop working', async () => {
    const { token } = await activePhone();
    const email = address();
    await world.api.setEmail(token, email);
    const first = await latestLink(world.runtime.record.mailboxUrl, email);
    await world.api.resendEmail(token);
    const second = await latestLink(world.runtime.record.mailboxUrl, email);
    expect(second).not.toBe(first);
    expect((await open(first)).status).toBe(410);
    const hash = (await import('node:crypto'))
      .createHash('sha256')
      .update(second.split('/').at(-1) as string)
      .digest('hex');
    const before = (await world.table.snapshot()).find((item) => item.includes(`EMAILTOKEN#${hash}`));
    const stored = JSON.parse(before as string);
    await world.table.put({ ...stored, expiresAt: Math.floor(Date.now() / 1000) - 1 });
    const expired = await open(second);
    expect([expired.status, expired.html.includes('有効期限が切れています')]).toEqual([410, true]);
  });

  it('refuses an address with CR/LF or a display name with 400 invalid_request, writing nothing', async () => {
    const { token } = await activePhone();
    for (const bad of [
      'hanako@example.jp\r\nBcc: evil@example.com',
      '公的 花子 <hanako@example.jp>',
      'no-at-sign',
      'a@b',
      `${'x'.repeat(65)}@example.jp`,
    ]) {
      const before = await world.table.snapshot();
      const error = await world.api.setEmail(token, bad).catch((e: unknown) => e);
      expect([(error as ApiError).status, (error as ApiError).code]).toEqual([400, 'invalid_request']);
      expect(await world.table.snapshot()).toEqual(before);
    }
  });

  it('answers the sixth mail in an hour with 429 rate_limited', async () => {
    const { token } = await activePhone();
    await world.api.setEmail(token, address());
    for (let i = 0; i < 4; i++) await world.api.resendEmail(token);
    const before = await world.table.snapshot();
    const error = await world.api.resendEmail(token).catch((e: unknown) => e);
    expect([(error as ApiError).status, (error as ApiError).code]).toEqual([429, 'rate_limited']);
    const another = await world.api.setEmail(token, address()).catch((e: unknown) => e);
    expect((another as ApiError).code).toBe('rate_limited');
    expect(await world.table.snapshot()).toEqual(before);
  });

  it('answers 503 mail_unavailable when SES does not answer, keeps the link, and the same request again sends no second mail', async () => {
    const { token } = await activePhone();
    const email = address();
    const ses = world.runtime.record.children.find((c) => c.name === 'ses')?.pid as number;
    process.kill(ses, 'SIGSTOP');
    let error: unknown;
    try {
      error = await world.api.setEmail(token, email).catch((e: unknown) => e);
    } finally {
      process.kill(ses, 'SIGCONT');
    }
    expect([(error as ApiError).status, (error as ApiError).code]).toEqual([503, 'mail_unavailable']);
    // SES may still take the request it was sent (it was only paused): the link it names is kept.
    expect((await world.api.me(token)).email).toMatchObject({ address: email, verified: false });
    // The app sends the same request again: no second mail.
    await world.api.setEmail(token, email);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await mailsTo(world.runtime.record.mailboxUrl, email)).length).toBeLessThanOrEqual(1);
    // The resident asks for the mail again: its link confirms.
    await world.api.resendEmail(token);
    expect((await open(await latestLink(world.runtime.record.mailboxUrl, email))).status).toBe(200);
  });

  it('marks the address undeliverable on a permanent bounce reported through SNS', async () => {
    const { phone, token } = await activePhone();
    const email = address();
    await world.api.setEmail(token, email);
    Object.assign(process.env, world.runtime.record.environment);
    const { handler } = await import('#functions/mail/feedback-handler');
    const { loadEvent } = await import('#events/load');
    const event = loadEvent('sns', 'ses-bounce');
    const message = JSON.parse(event.Records[0]?.Sns.Message as string);
    message.mail.tags['xid-account'] = [phone.account?.accountId];
    message.bounce.bouncedRecipients = [{ emailAddress: email }];
    (event.Records[0] as { Sns: { Message: string } }).Sns.Message = JSON.stringify(message);
    await handler(event);
    expect((await world.api.me(token)).email).toEqual({
      address: email,
      verified: false,
      deliverable: false,
    });
  });
});

describe('mail bombing', () => {
  it('20 parallel requests for one account deliver at most 5 mails; the rest are 429, none 5xx', async () => {
    const { token } = await activePhone();
    const addresses = Array.from({ length: 20 }, () => address());
    const outcomes = await Promise.all(
      addresses.map((a) =>
        world.api.setEmail(token, a).then(
          () => 202,
          (e: unknown) => failed(e).status,
        ),
      ),
    );
    const delivered = (
      await Promise.all(addresses.map((a) => mailsTo(world.runtime.record.mailboxUrl, a)))
    ).flat();
    expect(delivered.length).toBeLessThanOrEqual(5);
    expect(outcomes.filter((status) => status === 202)).toHaveLength(delivered.length);
    expect(outcomes.filter((status) => status >= 500)).toEqual([]);
    expect(new Set(outcomes.filter((status) => status !== 202))).toEqual(new Set([429]));
    // Two more rounds: nothing more goes out within the hour.
    for (let round = 0; round < 2; round++) {
      await Promise.all(addresses.map((a) => world.api.setEmail(token, a).catch(failed)));
    }
    const after = (
      await Promise.all(addresses.map((a) => mailsTo(world.runtime.record.mailboxUrl, a)))
    ).flat();
    expect(after).toHaveLength(delivered.length);
  });

  it('3 accounts mailing one address deliver at most the per-address limit (6 a day)', async () => {
    const victim = address();
    const tokens = await Promise.all([1, 2, 3].map(async () => (await activePhone()).token));
    const outcomes: number[] = [];
    for (let i = 0; i < 5; i++) {
      outcomes.push(
        ...(await Promise.all(
          // Each account sets the address, then asks again and again (the same address set again soon is
          // the same request and sends nothing: another mail is a resend).
          tokens.map((t) =>
            (i === 0 ? world.api.setEmail(t, victim) : world.api.resendEmail(t)).then(
              () => 202,
              (e: unknown) => failed(e).status,
            ),
          ),
        )),
      );
    }
    expect(await mailsTo(world.runtime.record.mailboxUrl, victim)).toHaveLength(6);
    expect(outcomes.filter((status) => status === 202 || status === 200)).toHaveLength(6);
    expect(outcomes.filter((status) => status !== 202 && status !== 200 && status !== 429)).toEqual([]);
    const stored = (await world.table.snapshot()).filter((item) => item.includes('"QUOTA#mail-recipient#'));
    expect(stored.join()).not.toContain(victim);
  });
});
