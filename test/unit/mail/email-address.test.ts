import { describe, expect, it } from 'vitest';
import { normaliseEmailAddress } from '#functions/mail/email-address';

describe('e-mail addresses', () => {
  it('accept a plain address, lower-casing only the domain', () => {
    expect(normaliseEmailAddress(' Hanako.Kouteki@Example.JP ')).toEqual({
      address: 'Hanako.Kouteki@example.jp',
      carrierDomain: false,
    });
  });

  it('turn internationalised domains into A-labels', () => {
    expect(normaliseEmailAddress('taro@例え.テスト')).toEqual({
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
    expect(normaliseEmailAddress(input)).toBe(problem);
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
      expect(normaliseEmailAddress(`x@${domain}`)).toMatchObject({ carrierDomain: true });
    }
    expect(normaliseEmailAddress('x@gmail.com')).toMatchObject({ carrierDomain: false });
  });
});
