import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { certificatesFrom } from '#functions/adapters/sources';
import { EXTENSION, parseCertificate } from '#functions/jpki/certificate';
import {
  fingerprint,
  loadTrustAnchors,
  PINNED_JLIS_SIGNATURE_CA_SHA256,
  TrustAnchorError,
} from '#functions/jpki/trust';
import { REPO_ROOT } from '#lib/paths';

/** The real J-LIS CA certificates, beside the project (never copied into it). */
const JLIS = path.resolve(REPO_ROOT, '../shared/data/jlis');
const present = existsSync(JLIS);
if (!present) console.warn(`J-LIS CA test skipped: ${JLIS} is absent`);
const read = (file: string) => certificatesFrom(readFileSync(path.join(JLIS, file)))[0] as Buffer;

describe.skipIf(!present)('the real J-LIS CA certificates', () => {
  it('match the pinned fingerprints of the signature CAs (2015 and 2023 generations)', () => {
    expect(fingerprint(read('sign_ca_2015.pem'))).toBe(PINNED_JLIS_SIGNATURE_CA_SHA256.signca01);
    expect(fingerprint(read('sign_ca_2023.pem'))).toBe(PINNED_JLIS_SIGNATURE_CA_SHA256.signca03);
  });

  it('pass the CA profile checks and load as production (not test) anchors where test anchors are refused', () => {
    const anchors = loadTrustAnchors([read('sign_ca_2015.pem'), read('sign_ca_2023.pem')], {
      allowTest: false,
    });
    expect(anchors.map((a) => a.test)).toEqual([false, false]);
    for (const anchor of anchors) {
      const cert = anchor.certificate;
      expect(cert.signatureAlgorithm).toBe('1.2.840.113549.1.1.11');
      expect(anchor.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
      expect(cert.extensions.get(EXTENSION.keyUsage)?.critical).toBe(true);
      expect(cert.extensions.get(EXTENSION.basicConstraints)?.critical).toBe(true);
    }
  });

  it('do not let the authentication CAs in as signature anchors', () => {
    expect(() => loadTrustAnchors([read('auth_ca_2023.pem')], { allowTest: false })).toThrow(
      TrustAnchorError,
    );
  });

  it('are parsed by our DER reader exactly as node:crypto sees them', async () => {
    const { X509Certificate } = await import('node:crypto');
    for (const file of ['sign_ca_2015.pem', 'sign_ca_2023.pem', 'auth_ca_2015.pem', 'auth_ca_2023.pem']) {
      const der = read(file);
      const ours = parseCertificate(der);
      const theirs = new X509Certificate(der);
      expect(BigInt(`0x${ours.serial}`)).toBe(BigInt(`0x${theirs.serialNumber}`));
      expect(ours.notAfter.getTime()).toBe(new Date(theirs.validTo).getTime());
    }
  });
});

describe('trust anchors', () => {
  it('refuse an unpinned certificate where test anchors are not allowed', async () => {
    const { TestCa } = await import('#test/harness/pki/test-pki');
    const ca = await TestCa.create();
    expect(() => loadTrustAnchors([ca.der], { allowTest: false })).toThrow(/not a pinned J-LIS/);
    expect(loadTrustAnchors([ca.der], { allowTest: true })[0]?.test).toBe(true);
  });
});
