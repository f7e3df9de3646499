import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXTENSION, parseCertificate } from '#functions/jpki/certificate';
import { JPKI_SAN_OIDS, TEST_SIGNATURE_POLICY_OID } from '#functions/jpki/profile';
import { subjectAltNameOtherNames } from '#functions/jpki/san';
import { createTestPki, issueCard, type TestPki } from '#test/harness/cards';
import { fifthBirthdayAfter, KOUTEKI_HANAKO, person } from '#test/harness/pki/person';
import { TestCa, x509 } from '#test/harness/pki/test-pki';

let pki: TestPki;
const work = mkdtempSync(path.join(tmpdir(), 'xid-pki-'));

function openssl(args: string[], input?: Buffer): string {
  return execFileSync('openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}
const hasOpenssl = (() => {
  try {
    openssl(['version']);
    return true;
  } catch {
    return false;
  }
})();

beforeAll(async () => {
  pki = await createTestPki();
});

describe('test PKI: the CA', () => {
  it('is self-signed RSA-2048 with sha256WithRSAEncryption, and its name says JPKI-TEST', () => {
    const ca = new X509Certificate(pki.signCa.der);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(ca.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(ca.publicKey.asymmetricKeyDetails?.publicExponent).toBe(65537n);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe(
      'C=JP\nO=JPKI-TEST\nOU=JPKI for digital signature\nOU=Japan Agency for Local Authority Information Systems',
    );
    expect(ca.subject).not.toContain('O=JPKI\n');
  });

  it('has the J-LIS CA extensions: keyCertSign+cRLSign and CA:TRUE critical, SAN DirName, CRLDP, SKI', () => {
    const ca = parseCertificate(pki.signCa.der);
    expect(ca.signatureAlgorithm).toBe('1.2.840.113549.1.1.11');
    expect([...ca.extensions.keys()]).toEqual([
      EXTENSION.keyUsage,
      EXTENSION.subjectAltName,
      EXTENSION.basicConstraints,
      EXTENSION.crlDistributionPoints,
      EXTENSION.subjectKeyIdentifier,
    ]);
    expect(ca.extensions.get(EXTENSION.keyUsage)?.critical).toBe(true);
    expect(ca.extensions.get(EXTENSION.basicConstraints)?.critical).toBe(true);
  });
});

describe('test PKI: signature certificates', () => {
  it('are parsed back by node:crypto: issuer, validity to the fifth birthday 14:59:59Z, RSA-2048, chain', async () => {
    const issuedAt = new Date('2025-10-27T03:00:00Z');
    const { signature } = await issueCard(pki, { dateOfBirth: '1980-02-17' }, { sign: { issuedAt } });
    const cert = new X509Certificate(signature?.der ?? Buffer.alloc(0));
    expect(cert.issuer).toBe(new X509Certificate(pki.signCa.der).subject);
    expect(cert.verify(new X509Certificate(pki.signCa.der).publicKey)).toBe(true);
    expect(new Date(cert.validTo).toISOString()).toBe('2030-02-17T14:59:59.000Z');
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(cert.subject).toMatch(/^C=JP\nL=Tokyo\nL=Shinagawa-ku\nCN=\d{19}[A-Z0-9]{9}$/);
  });

  it('carry the six otherNames, decoded by our own SAN reader', async () => {
    const { signature, holder } = await issueCard(pki, KOUTEKI_HANAKO);
    const cert = parseCertificate(signature?.der ?? Buffer.alloc(0));
    const san = subjectAltNameOtherNames(
      cert.extensions.get(EXTENSION.subjectAltName)?.value ?? Buffer.alloc(0),
    );
    expect(Object.fromEntries(san)).toEqual({
      [JPKI_SAN_OIDS.name]: '公的\u3000花子',
      [JPKI_SAN_OIDS.dateOfBirth]: '319661110',
      [JPKI_SAN_OIDS.gender]: '2',
      [JPKI_SAN_OIDS.address]: '東京都品川区広町2-1-10',
      [JPKI_SAN_OIDS.nameFlags]: '00000',
      [JPKI_SAN_OIDS.addressFlags]: '0'.repeat([...holder.address].length),
    });
  });

  it.skipIf(!hasOpenssl)('agree with `openssl x509 -text` on every subjectAltName item', async () => {
    const { signature } = await issueCard(pki, {
      name: '山田\u3000太郎',
      gender: 'male',
      dateOfBirth: '1990-01-02',
    });
    const der = signature?.der ?? Buffer.alloc(0);
    const text = openssl(['x509', '-inform', 'DER', '-noout', '-text'], der);
    const ours = subjectAltNameOtherNames(
      parseCertificate(der).extensions.get(EXTENSION.subjectAltName)?.value ?? Buffer.alloc(0),
    );
    const theirs = new Map(
      [...text.matchAll(/othername: ([\d.]+)::([^,\n]+)/g)].map((m) => [
        m[1] as string,
        (m[2] as string).trim(),
      ]),
    );
    expect(theirs.size).toBe(6);
    expect(theirs).toEqual(ours);
    expect(ours.get(JPKI_SAN_OIDS.dateOfBirth)).toBe('419900102');
    expect(ours.get(JPKI_SAN_OIDS.gender)).toBe('1');
  });

  it('have keyUsage digitalSignature+nonRepudiation critical, the test policy critical, IAN, CRLDP, AKI, SKI last', async () => {
    const { signature } = await issueCard(pki);
    const der = signature?.der ?? Buffer.alloc(0);
    const cert = parseCertificate(der);
    expect([...cert.extensions.keys()]).toEqual([
      EXTENSION.keyUsage,
      EXTENSION.subjectAltName,
      EXTENSION.certificatePolicies,
      EXTENSION.issuerAltName,
      EXTENSION.crlDistributionPoints,
      EXTENSION.authorityKeyIdentifier,
      EXTENSION.subjectKeyIdentifier,
    ]);
    expect(cert.extensions.get(EXTENSION.keyUsage)?.critical).toBe(true);
    expect(cert.extensions.get(EXTENSION.certificatePolicies)?.critical).toBe(true);
    if (hasOpenssl) {
      const text = openssl(['x509', '-inform', 'DER', '-noout', '-text'], der);
      expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Non Repudiation/);
      expect(text).toContain(`Policy: ${TEST_SIGNATURE_POLICY_OID}`);
      expect(text).toMatch(
        /CRL Distribution Points:[\s\S]*OU = CRL Distribution Points, OU = Tokyo, CN = Shinagawa-ku/,
      );
    }
  });

  it('can be made broken in each way the verifier must refuse', async () => {
    const now = Date.now();
    const expired = await issueCard(
      pki,
      {},
      { sign: { notBefore: new Date(now - 9e10), notAfter: new Date(now - 86_400_000) } },
    );
    expect(
      new Date(new X509Certificate(expired.signature?.der ?? Buffer.alloc(0)).validTo).getTime(),
    ).toBeLessThan(now);
    const weak = await issueCard(pki, {}, { sign: { keyBits: 1024 } });
    expect(
      new X509Certificate(weak.signature?.der ?? Buffer.alloc(0)).publicKey.asymmetricKeyDetails
        ?.modulusLength,
    ).toBe(1024);
    const sha1 = await issueCard(pki, {}, { sign: { hash: 'SHA-1' } });
    expect(parseCertificate(sha1.signature?.der ?? Buffer.alloc(0)).signatureAlgorithm).toBe(
      '1.2.840.113549.1.1.5',
    );
    const authUsage = await issueCard(pki, {}, { sign: { keyUsage: 'authentication' } });
    if (hasOpenssl) {
      expect(
        openssl(['x509', '-inform', 'DER', '-noout', '-ext', 'keyUsage'], authUsage.signature?.der),
      ).not.toContain('Non Repudiation');
    }
    const impostor = await TestCa.create();
    const forged = await issueCard(pki, {}, { signCa: impostor });
    const forgedCert = new X509Certificate(forged.signature?.der ?? Buffer.alloc(0));
    expect(forgedCert.issuer).toBe(new X509Certificate(pki.signCa.der).subject);
    expect(forgedCert.verify(new X509Certificate(pki.signCa.der).publicKey)).toBe(false);
  });

  it('end on the fifth birthday after issuance, capped by the card', () => {
    const issuance = new Date('2026-11-26T00:00:00Z');
    expect(fifthBirthdayAfter(issuance, '1966-11-10').toISOString()).toBe('2031-11-10T14:59:59.000Z');
    expect(fifthBirthdayAfter(issuance, '1966-12-31').toISOString()).toBe('2030-12-31T14:59:59.000Z');
    expect(fifthBirthdayAfter(issuance, '2004-02-29').toISOString()).toBe('2031-02-28T14:59:59.000Z');
    expect(fifthBirthdayAfter(issuance, '1966-11-10', new Date('2029-01-01T00:00:00Z')).toISOString()).toBe(
      '2029-01-01T00:00:00.000Z',
    );
  });
});

describe('test PKI: authentication certificates', () => {
  it('have an opaque subject, digitalSignature only, and no personal data', async () => {
    const { authentication } = await issueCard(pki);
    const cert = new X509Certificate(authentication.der);
    expect(cert.subject).toMatch(/^C=JP\nCN=\w+$/);
    expect(cert.subjectAltName).toBeUndefined();
    expect(cert.issuer).toContain('OU=JPKI for user authentication');
  });
});

describe('test PKI: CRLs', () => {
  it('are signed by the CA, list revoked serials with reasons, and carry thisUpdate/nextUpdate', async () => {
    const { signature } = await issueCard(pki);
    const serial = signature?.serial ?? '';
    const thisUpdate = new Date(Date.now() - 60_000);
    const nextUpdate = new Date(Date.now() + 3_600_000);
    const der = await pki.signCa.crl({
      revoked: [{ serial, reason: x509.X509CrlReason.keyCompromise }],
      thisUpdate,
      nextUpdate,
    });
    const crl = new x509.X509Crl(new Uint8Array(der));
    expect(
      await crl.verify({
        publicKey: await new x509.X509Certificate(new Uint8Array(pki.signCa.der)).publicKey.export(),
      }),
    ).toBe(true);
    expect(crl.entries.map((e) => e.serialNumber.toLowerCase())).toEqual([serial]);
    expect(crl.entries[0]?.reason).toBe(x509.X509CrlReason.keyCompromise);
    expect(Math.floor(crl.nextUpdate?.getTime() ?? 0) / 1000).toBe(Math.floor(nextUpdate.getTime() / 1000));
    if (hasOpenssl) {
      const caFile = path.join(work, 'ca.pem');
      writeFileSync(caFile, pki.signCa.pem);
      const crlFile = path.join(work, 'crl.der');
      writeFileSync(crlFile, der);
      const out = execFileSync(
        'openssl',
        ['crl', '-inform', 'DER', '-in', crlFile, '-CAfile', caFile, '-noout', '-text'],
        {
          encoding: 'utf8',
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      expect(out).toContain(serial.toUpperCase());
      expect(out).toContain('Key Compromise');
    }
  });

  it('signed by another key do not verify against the CA', async () => {
    const impostor = await TestCa.create();
    const der = await pki.signCa.crl({ signer: impostor.key });
    const crl = new x509.X509Crl(new Uint8Array(der));
    expect(
      await crl.verify({
        publicKey: await new x509.X509Certificate(new Uint8Array(pki.signCa.der)).publicKey.export(),
      }),
    ).toBe(false);
  });
});

describe('test PKI: people', () => {
  it('fills every item with the guide example and one zero flag per character', () => {
    const p = person();
    expect(p.name).toBe('公的\u3000花子');
    expect(p.nameFlags).toBe('00000');
    expect(p.addressFlags.length).toBe([...p.address].length);
  });
});
