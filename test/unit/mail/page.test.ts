import { describe, expect, it } from 'vitest';
import { verificationPage } from '#functions/mail/page';
import { confirmationMail } from '#functions/mail/template';

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
