import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import { ProblemError } from '../shared/problems.ts';
import { EXTENSION, type ParsedCertificate, parseCertificate } from './certificate.ts';
import { CRL_RETRY_MS, type RevocationChecker } from './crl.ts';
import { children, content, DerError, decodeOid, readTlv } from './der.ts';
import { formatName } from './distinguished-name.ts';
import {
  decodeDateOfBirth,
  GENDER_CODES,
  type Gender,
  JPKI_SAN_OIDS,
  SIGNATURE_POLICY_OID,
  TEST_SIGNATURE_POLICY_OID,
} from './profile.ts';
import { subjectAltNameOtherNames } from './san.ts';
import { findIssuer, isCa, keyUsageBits, SHA256_WITH_RSA, type TrustAnchor } from './trust.ts';

/**
 * Verifies a card-signed registration: the signature certificate (chain to a trust anchor found by
 * signature, validity, profile, revocation) and the card's RSASSA-PKCS1-v1_5/SHA-256 signature over the
 * statement's bytes, then reads the four basic items from the subjectAltName. Each failure is a `ProblemError`
 * with the code of design.md §3.2, checked in the table's order. No Lambda, no AWS: the CRLs come in
 * through the RevocationChecker's fetch port.
 */
export interface BasicItems {
  /** Family and given name as on the card (full-width space between). */
  name: string;
  nameFlags?: string;
  gender: Gender;
  /** ISO `YYYY-MM-DD`. */
  dateOfBirth: string;
  address: string;
  addressFlags?: string;
}

export interface VerifiedCertificate {
  items: BasicItems;
  /** What identifies the certificate without storing it (design.md §5). */
  certificate: {
    /** SHA-256 of the issuer Name's DER, hex: with the serial, the key of "one account per certificate". */
    issuerSha256: string;
    /** The issuer Name as RFC 4514 text (how the certificate linkage names it). */
    issuer: string;
    serial: string;
    notBefore: string;
    notAfter: string;
    sha256: string;
    /** The anchor's fingerprint, and whether it is a test anchor. */
    anchor: string;
    testAnchor: boolean;
  };
}

export interface JpkiVerifierOptions {
  anchors: readonly TrustAnchor[];
  revocation: RevocationChecker;
  clock?: () => Date;
}

const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const KNOWN_CRITICAL = new Set<string>([
  EXTENSION.keyUsage,
  EXTENSION.certificatePolicies,
  EXTENSION.basicConstraints,
]);

function policies(certificate: ParsedCertificate): string[] {
  const ext = certificate.extensions.get(EXTENSION.certificatePolicies);
  if (!ext) return [];
  return children(ext.value, readTlv(ext.value, 0)).map((info) => {
    const [oid] = children(ext.value, info);
    if (!oid) throw new DerError('empty PolicyInformation');
    return decodeOid(content(ext.value, oid));
  });
}

function spkiAlgorithm(spki: Buffer): string {
  const [algorithm] = children(spki, readTlv(spki, 0));
  if (!algorithm) throw new DerError('empty SubjectPublicKeyInfo');
  const [oid] = children(spki, algorithm);
  if (!oid) throw new DerError('empty AlgorithmIdentifier');
  return decodeOid(content(spki, oid));
}

/**
 * The certificate's public key. For RSA keys the RSAPublicKey inside the SPKI is imported as PKCS#1,
 * which OpenSSL does some 40 times faster than decoding the SPKI itself; other keys go the general way
 * (and fail the profile later).
 */
function publicKeyOf(certificate: ParsedCertificate): { key: KeyObject; rsaBits: number } {
  const { spki } = certificate;
  if (spkiAlgorithm(spki) === RSA_ENCRYPTION) {
    const [, bits] = children(spki, readTlv(spki, 0));
    const pkcs1 = bits && bits.tag === 0x03 ? content(spki, bits).subarray(1) : undefined;
    if (pkcs1) {
      const key = createPublicKey({ key: pkcs1, format: 'der', type: 'pkcs1' });
      return { key, rsaBits: modulusBits(pkcs1) };
    }
  }
  return { key: createPublicKey({ key: spki, format: 'der', type: 'spki' }), rsaBits: 0 };
}

/** Bit length of the modulus of a DER RSAPublicKey (reading it from the key object costs more). */
function modulusBits(pkcs1: Buffer): number {
  const [modulus] = children(pkcs1, readTlv(pkcs1, 0));
  if (!modulus) return 0;
  let bytes = content(pkcs1, modulus);
  while (bytes.length > 0 && bytes[0] === 0) bytes = bytes.subarray(1);
  return bytes.length === 0 ? 0 : (bytes.length - 1) * 8 + (32 - Math.clz32(bytes[0] as number));
}

/**
 * The profile of a signature certificate (jpki.md §3; design.md §3.2 `certificate_profile`). `rsaBits` is 0
 * for a key that is not RSA.
 */
function checkProfile(certificate: ParsedCertificate, rsaBits: number, anchor: TrustAnchor): void {
  const refuse = (detail: string) => new ProblemError('certificate_profile', detail);
  if (certificate.version !== 3) throw refuse('not an X.509 v3 certificate');
  if (
    certificate.signatureAlgorithm !== SHA256_WITH_RSA ||
    certificate.tbsSignatureAlgorithm !== SHA256_WITH_RSA
  ) {
    throw refuse('the certificate is not signed with sha256WithRSAEncryption');
  }
  if (rsaBits < 2048) {
    throw refuse('the key is not RSA of at least 2048 bits');
  }
  const usage = keyUsageBits(certificate);
  if (!certificate.extensions.get(EXTENSION.keyUsage)?.critical || !usage?.[0] || !usage[1]) {
    throw refuse('keyUsage must be critical with digitalSignature and nonRepudiation');
  }
  if (isCa(certificate)) throw refuse('a CA certificate is not a signature certificate');
  const allowed = anchor.test ? [SIGNATURE_POLICY_OID, TEST_SIGNATURE_POLICY_OID] : [SIGNATURE_POLICY_OID];
  if (!policies(certificate).some((oid) => allowed.includes(oid))) {
    throw refuse('the certificate does not carry the signature-certificate policy');
  }
  for (const [oid, { critical }] of certificate.extensions) {
    if (critical && !KNOWN_CRITICAL.has(oid)) throw refuse(`unknown critical extension ${oid}`);
  }
}

function basicItems(certificate: ParsedCertificate): BasicItems {
  const refuse = () =>
    new ProblemError('certificate_profile', 'the subjectAltName lacks the four basic items');
  const ext = certificate.extensions.get(EXTENSION.subjectAltName);
  if (!ext) throw refuse();
  let names: Map<string, string>;
  try {
    names = subjectAltNameOtherNames(ext.value);
  } catch {
    throw refuse();
  }
  const name = names.get(JPKI_SAN_OIDS.name)?.trim();
  const gender = GENDER_CODES[names.get(JPKI_SAN_OIDS.gender) ?? ''];
  const dateOfBirth = decodeDateOfBirth(names.get(JPKI_SAN_OIDS.dateOfBirth) ?? '');
  const address = names.get(JPKI_SAN_OIDS.address)?.trim();
  if (!name || !gender || !dateOfBirth || !address) throw refuse();
  return {
    name,
    nameFlags: names.get(JPKI_SAN_OIDS.nameFlags),
    gender,
    dateOfBirth,
    address,
    addressFlags: names.get(JPKI_SAN_OIDS.addressFlags),
  };
}

/** Issuer (SHA-256 of its Name's DER, hex) and serial: the certificate index's key (one account per certificate). */
export const indexKeyOf = (certificate: Pick<ParsedCertificate, 'issuer' | 'serial'>) => ({
  issuerSha256: createHash('sha256').update(certificate.issuer).digest('hex'),
  serial: certificate.serial,
});

/**
 * The index key of certificate bytes that were not verified (yet), for lookups that a byte-for-byte match
 * authenticates afterwards; undefined when they do not parse.
 */
export function certificateIndexKey(der: Uint8Array): { issuerSha256: string; serial: string } | undefined {
  try {
    return indexKeyOf(parseCertificate(der));
  } catch {
    return undefined;
  }
}

export class JpkiVerifier {
  private readonly clock: () => Date;

  constructor(private readonly options: JpkiVerifierOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  async verify(
    certificateDer: Uint8Array,
    message: Uint8Array,
    signature: Uint8Array,
  ): Promise<VerifiedCertificate> {
    let certificate: ParsedCertificate;
    let key: KeyObject;
    let rsaBits: number;
    let issuer: string;
    try {
      certificate = parseCertificate(certificateDer);
      ({ key, rsaBits } = publicKeyOf(certificate));
      issuer = formatName(certificate.issuer);
    } catch {
      throw new ProblemError('certificate_malformed', 'The certificate could not be parsed');
    }

    const anchor = findIssuer(certificate, this.options.anchors);
    if (!anchor)
      throw new ProblemError('certificate_untrusted', 'The certificate was not issued by a trusted CA');

    const now = this.clock();
    for (const validity of [certificate, anchor.certificate]) {
      if (now < validity.notBefore) throw new ProblemError('certificate_not_yet_valid');
      if (now > validity.notAfter) throw new ProblemError('certificate_expired');
    }

    try {
      checkProfile(certificate, rsaBits, anchor);
    } catch (error) {
      if (error instanceof ProblemError) throw error;
      throw new ProblemError('certificate_profile', 'The certificate extensions could not be read');
    }

    let revocation: Awaited<ReturnType<RevocationChecker['status']>>;
    try {
      revocation = await this.options.revocation.status(anchor, certificate, now);
    } catch (error) {
      // Only an unreadable cRLDistributionPoints extension can throw here: the certificate is not usable.
      if (error instanceof DerError)
        throw new ProblemError(
          'certificate_profile',
          'The cRLDistributionPoints extension could not be read',
        );
      throw error;
    }
    if (revocation.status === 'revoked') throw new ProblemError('certificate_revoked');
    if (revocation.status === 'unknown')
      // The CRL sources are read again after CRL_RETRY_MS: a retry sooner gets the same answer.
      throw new ProblemError('revocation_unavailable', undefined, { retryAfterSeconds: CRL_RETRY_MS / 1000 });

    let valid = false;
    try {
      valid = verify('sha256', message, key, signature);
    } catch {
      valid = false;
    }
    if (!valid)
      throw new ProblemError('signature_invalid', 'The card signature does not verify over the statement');

    return {
      items: basicItems(certificate),
      certificate: {
        ...indexKeyOf(certificate),
        issuer,
        notBefore: certificate.notBefore.toISOString(),
        notAfter: certificate.notAfter.toISOString(),
        sha256: createHash('sha256').update(certificate.der).digest('hex'),
        anchor: anchor.fingerprint,
        testAnchor: anchor.test,
      },
    };
  }
}
