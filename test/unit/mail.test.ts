import { describe, expect, it } from 'vitest';
import { loadEvent } from '#events/load';
import { normaliseAddress } from '#functions/mail/address';
import { undeliverable } from '#functions/mail/feedback';
import { verificationPage } from '#functions/mail/page';
import { confirmationMail } from '#functions/mail/template';

describe('e-mail addresses', () => {
  it('accept a plain address, lower-casing only the domain', () => {
    expect(normaliseAddress(' Hanako.Kouteki@Example.JP ')).toEqual({
      address: 'Hanako.Kouteki@example.jp',
      carrierDomain: false,
    });
  });

  it('turn internationalised domains into A-labels', () => {
    expect(normaliseAddress('taro@例え.テスト')).toEqual({
      address: 'taro@xn--r8jz45g.xn--zckzah',
      carrierDomain: false,
    });
  });

  it.each([
    ['hanako@example.jp\r\nBcc: x@example.com', 'format'],
    ['hanako@example.jp\n', 'format'],
    ['公的 花子 <hanako@example.jp>', 'format'],
    ['"hanako"@example.jp', 'format'],
    ['hanako..k@example.jp', 'format'],
    ['hanako@localhost', 'domain'],
    ['hanako@example.123', 'domain'],
    ['hanako@-bad-.jp', 'domain'],
    [`${'a'.repeat(65)}@example.jp`, 'length'],
    [`a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(60)}.jp`, 'length'],
  ])('refuse %j (%s)', (input, problem) => {
    expect(normaliseAddress(input)).toBe(problem);
  });

  it('flag the carrier domains that refuse outside mail, subdomains included', () => {
    for (const domain of [
      'docomo.ne.jp',
      'ezweb.ne.jp',
      'au.com',
      'softbank.ne.jp',
      'i.softbank.jp',
      'd.vodafone.ne.jp',
    ]) {
      expect(normaliseAddress(`x@${domain}`)).toMatchObject({ carrierDomain: true });
    }
    expect(normaliseAddress('x@gmail.com')).toMatchObject({ carrierDomain: false });
  });
});

describe('the confirmation mail and page', () => {
  it('puts Japanese first, English below, and escapes the link in HTML', () => {
    const mail = confirmationMail('https://api.example.jp/v1/email-verifications/abc?x=<y>&z');
    expect(mail.text.indexOf('xIDをご利用')).toBeLessThan(mail.text.indexOf('Thank you for using xID'));
    expect(mail.html).toContain('&lt;y&gt;&amp;z');
    expect(mail.html).not.toContain('<y>');
  });

  it('answers each outcome with its status, in both languages, with no script', () => {
    for (const [outcome, status] of [
      ['confirmed', 200],
      ['expired', 410],
      ['used', 409],
      ['unknown', 404],
    ] as const) {
      const page = verificationPage(outcome);
      expect(page.status).toBe(status);
      expect(page.html).toContain('lang="ja"');
      expect(page.html).toContain('lang="en"');
      expect(page.html).not.toContain('<script');
    }
  });
});

describe('SES feedback', () => {
  const message = () => JSON.parse(loadEvent('sns', 'ses-bounce').Records[0]?.Sns.Message as string);

  it('marks the recipients of a permanent bounce, for the tagged account', () => {
    expect(undeliverable(message())).toEqual([
      { accountId: '6b1d2c4e-0000-4000-8000-000000000001', address: 'hanako@example.jp' },
    ]);
  });

  it('ignores transient bounces and untagged mail, and marks complaints', () => {
    const transient = message();
    transient.bounce.bounceType = 'Transient';
    expect(undeliverable(transient)).toEqual([]);
    const untagged = message();
    untagged.mail.tags = {};
    expect(undeliverable(untagged)).toEqual([]);
    const complaint = {
      ...message(),
      eventType: 'Complaint',
      complaint: { complainedRecipients: [{ emailAddress: 'a@b.jp' }] },
    };
    expect(undeliverable(complaint)).toEqual([
      { accountId: '6b1d2c4e-0000-4000-8000-000000000001', address: 'a@b.jp' },
    ]);
    expect(undeliverable('garbage')).toEqual([]);
  });
});
