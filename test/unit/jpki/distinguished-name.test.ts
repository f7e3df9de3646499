import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DistinguishedNameError, formatName, nameKey } from '#functions/jpki/distinguished-name';
import { issuerText } from '#test/harness/pki/linkage';
import { TestCa } from '#test/harness/pki/test-pki';

/**
 * RFC 4514 names (how the certificate linkage names issuers): written by `formatName`, read by `nameKey`,
 * against an independent DER writer (@peculiar/asn1-x509), @peculiar/x509's reading, and OpenSSL's
 * RFC 2253 printing.
 */
const ATTRIBUTE_TYPES = ['2.5.4.3', '2.5.4.6', '2.5.4.7', '2.5.4.10', '2.5.4.11', '1.2.392.200149.8.5.5.1'];

const attribute = fc.record({
  type: fc.constantFrom(...ATTRIBUTE_TYPES),
  value: fc.oneof(
    fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }),
    fc.string({
      minLength: 1,
      maxLength: 8,
      unit: fc.constantFrom(' ', '#', ',', '+', '"', '\\', ';', '<', '>', '=', 'a'),
    }),
  ),
  printable: fc.boolean(),
});

const derNameOf = (perRdn: number) =>
  fc.array(fc.array(attribute, { minLength: 1, maxLength: perRdn }), { minLength: 1, maxLength: 5 }).map(
    (rdns) =>
      new Uint8Array(
        AsnConvert.serialize(
          new asn.Name(
            rdns.map(
              (rdn) =>
                new asn.RelativeDistinguishedName(
                  rdn.map(
                    ({ type, value, printable }) =>
                      new asn.AttributeTypeAndValue({
                        type,
                        value: new asn.AttributeValue(
                          printable && /^[A-Za-z0-9 '()+,\-./:=?]+$/.test(value)
                            ? { printableString: value }
                            : { utf8String: value },
                        ),
                      }),
                  ),
                ),
            ),
          ),
        ),
      ),
  );

const derName = derNameOf(3);

let ca: TestCa;

beforeAll(async () => {
  ca = await TestCa.create();
});

describe('formatName and nameKey', () => {
  it('read back every name they write, whatever its characters', () => {
    fc.assert(
      fc.property(derName, (der) => {
        expect(nameKey(formatName(der))).toBe(nameKey(der));
      }),
    );
  });

  it('tell names apart that differ in one value or in order', () => {
    // One attribute per RDN: a multi-valued RDN is a set, written in either order for the same name.
    const single = derNameOf(1);
    fc.assert(
      fc.property(single, single, (a, b) => {
        fc.pre(formatName(a) !== formatName(b));
        expect(nameKey(a)).not.toBe(nameKey(b));
      }),
    );
  });

  it('take every spelling of one name as the same name', () => {
    const key = nameKey('CN=Hanako,O=JPKI-TEST,C=JP');
    for (const spelling of [
      'cn=Hanako, o=JPKI-TEST, c=JP',
      '2.5.4.3=Hanako,2.5.4.10=JPKI-TEST,2.5.4.6=JP',
      'CN=#0c0648616e616b6f,O=JPKI-TEST,C=JP',
      'CN=\\48anako,O=JPKI-TEST,C=JP',
    ]) {
      expect(nameKey(spelling), spelling).toBe(key);
    }
    expect(nameKey('C=JP,O=JPKI-TEST,CN=Hanako')).not.toBe(key);
    expect(nameKey('CN=hanako,O=JPKI-TEST,C=JP')).not.toBe(key);
  });

  it('escape what RFC 4514 says must be escaped', () => {
    const der = new Uint8Array(
      AsnConvert.serialize(
        new asn.Name([
          new asn.RelativeDistinguishedName([
            new asn.AttributeTypeAndValue({
              type: '2.5.4.3',
              value: new asn.AttributeValue({ utf8String: ' #a,b+c"d\\e;f<g>h ' }),
            }),
          ]),
        ]),
      ),
    );
    expect(formatName(der)).toBe('CN=\\ #a\\,b\\+c\\"d\\\\e\\;f\\<g\\>h\\ ');
  });

  it('throw only DistinguishedNameError for text that is not a name', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        try {
          nameKey(text);
        } catch (error) {
          expect(error).toBeInstanceOf(DistinguishedNameError);
        }
      }),
    );
    for (const bad of ['', 'CN', 'XX=a', 'CN=#zz', 'CN=a\\q', 'CN=#0c'])
      expect(() => nameKey(bad), bad).toThrow(DistinguishedNameError);
  });

  it('agree with @peculiar/x509 on the test CA’s name (the harness writes links with it)', () => {
    const der = new Uint8Array(AsnConvert.serialize(ca.name));
    expect(nameKey(issuerText(ca))).toBe(nameKey(der));
    expect(formatName(der)).toBe(issuerText(ca));
  });

  const openssl = (() => {
    try {
      execFileSync('openssl', ['version']);
      return true;
    } catch {
      return false;
    }
  })();

  it.runIf(openssl)('agree with OpenSSL’s RFC 2253 printing of a certificate’s issuer', async () => {
    const holder = await ca.issueSignatureCertificate({
      name: '公的\u3000花子',
      gender: 'female',
      dateOfBirth: '1966-11-10',
      address: '東京都品川区広町2-1-10',
      nameFlags: '00000',
      addressFlags: '0000000000000',
      locality: ['Tokyo', 'Shinagawa-ku'],
      signPin: 'ABCD1234',
      authPin: '1234',
    });
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'dn-')), 'cert.der');
    writeFileSync(file, holder.der);
    for (const what of ['-issuer', '-subject']) {
      const printed = execFileSync(
        'openssl',
        ['x509', '-inform', 'DER', '-in', file, '-noout', what, '-nameopt', 'RFC2253'],
        {
          encoding: 'utf8',
        },
      )
        .trim()
        .replace(/^(issuer|subject)=/, '');
      const { issuer, subject } = AsnConvert.parse(holder.der, asn.Certificate).tbsCertificate;
      const der = new Uint8Array(AsnConvert.serialize(what === '-issuer' ? issuer : subject));
      expect(nameKey(printed), printed).toBe(nameKey(der));
    }
  });
});
