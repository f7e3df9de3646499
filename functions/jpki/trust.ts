import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import { EXTENSION, type ParsedCertificate, parseCertificate } from './certificate.ts';
import { children, content, readTlv } from './der.ts';

/**
 * Trust anchors: the J-LIS signature CAs, pinned by the SHA-256 fingerprints of their certificates
 * (jpki.md §3.7, all three generations). A certificate offered as an anchor is accepted only if its
 * fingerprint is pinned, or, in a stage that allows test anchors, as a *test* anchor. Either way it must be
 * a self-signed CA (its own signature verifies, CA:TRUE, keyCertSign).
 */
export const PINNED_JLIS_SIGNATURE_CA_SHA256 = {
  signca01: '19645405a1fe14377434bd55957628ac4038557c542403a2243f21c706fc9355',
  signca02: '79679c33e4cc9319440f1ad120a597ff1844e2ef217063adb176966fd5e6fbeb',
  signca03: 'd227f6cde11d35c5252178f106f843d24651944975413b539fa2fb68dbfa365f',
} as const;

const PINNED = new Set<string>(Object.values(PINNED_JLIS_SIGNATURE_CA_SHA256));

export interface TrustAnchor {
  certificate: ParsedCertificate;
  publicKey: KeyObject;
  /** Lower-case hex SHA-256 of the DER. */
  fingerprint: string;
  /** True for a test anchor (never J-LIS); certificates under it must carry the test policy. */
  test: boolean;
}

export class TrustAnchorError extends Error {
  override name = 'TrustAnchorError';
}

/** Hash names for the RSA PKCS#1 v1.5 signature algorithm OIDs a certificate or CRL may use. */
export const RSA_SIGNATURE_HASH: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};
export const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

/** Whether `signature` over `tbs` verifies with `key` under the algorithm `oid` (false for unknown ones). */
export function verifiesWith(oid: string, tbs: Buffer, signature: Buffer, key: KeyObject): boolean {
  const hash = RSA_SIGNATURE_HASH[oid];
  if (!hash) return false;
  try {
    return verify(hash, tbs, key, signature);
  } catch {
    return false;
  }
}

/** The keyUsage bits of a certificate: [digitalSignature, nonRepudiation, …, keyCertSign (5), cRLSign (6)]. */
export function keyUsageBits(certificate: ParsedCertificate): boolean[] | undefined {
  const ext = certificate.extensions.get(EXTENSION.keyUsage);
  if (!ext) return undefined;
  const bits = content(ext.value, readTlv(ext.value, 0));
  const out: boolean[] = [];
  for (let i = 0; i < 9; i++) out.push(Boolean(((bits[1 + (i >> 3)] ?? 0) >> (7 - (i & 7))) & 1));
  return out;
}

/** Whether basicConstraints says CA:TRUE. */
export function isCa(certificate: ParsedCertificate): boolean {
  const ext = certificate.extensions.get(EXTENSION.basicConstraints);
  if (!ext) return false;
  const [first] = children(ext.value, readTlv(ext.value, 0));
  return first?.tag === 0x01 && content(ext.value, first)[0] !== 0;
}

export function fingerprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

/** Checks and prepares anchor certificates (DER). Throws naming the first unacceptable one. */
export function loadTrustAnchors(ders: Uint8Array[], options: { allowTest: boolean }): TrustAnchor[] {
  return ders.map((der) => {
    const print = fingerprint(der);
    const pinned = PINNED.has(print);
    if (!pinned && !options.allowTest) {
      throw new TrustAnchorError(
        `anchor ${print} is not a pinned J-LIS signature CA, and this stage allows no test anchors`,
      );
    }
    const certificate = parseCertificate(der);
    const publicKey = createPublicKey({ key: certificate.spki, format: 'der', type: 'spki' });
    if (
      !certificate.subject.equals(certificate.issuer) ||
      !verifiesWith(certificate.signatureAlgorithm, certificate.tbs, certificate.signature, publicKey)
    ) {
      throw new TrustAnchorError(`anchor ${print} is not self-signed`);
    }
    if (!isCa(certificate) || !keyUsageBits(certificate)?.[5]) {
      throw new TrustAnchorError(`anchor ${print} is not a CA certificate (CA:TRUE and keyCertSign)`);
    }
    return { certificate, publicKey, fingerprint: print, test: !pinned };
  });
}

/** The anchor that issued a certificate: same name *and* a signature that verifies with its key. */
export function findIssuer(
  certificate: ParsedCertificate,
  anchors: readonly TrustAnchor[],
): TrustAnchor | undefined {
  return anchors.find(
    (anchor) =>
      anchor.certificate.subject.equals(certificate.issuer) &&
      verifiesWith(certificate.signatureAlgorithm, certificate.tbs, certificate.signature, anchor.publicKey),
  );
}
