import {
  checkDer,
  children,
  childrenOf,
  content,
  DerError,
  expectTag,
  integerHex,
  readBoolean,
  readOid,
  readSmallInteger,
  readTime,
  readWhole,
  TAG,
  type Tlv,
  whole,
} from './der.ts';

/**
 * An X.509 certificate taken apart with the DER reader, without verifying anything: the parts the JPKI
 * verifier needs, as byte ranges of the original (no copies of the certificate are kept). Faster than a
 * full object model, which matters because every registration parses one (issue 4's benchmark).
 */
export interface ParsedCertificate {
  der: Buffer;
  /** The exact signed bytes. */
  tbs: Buffer;
  version: number;
  /** Lower-case hex, no leading zeros. */
  serial: string;
  /** Signature algorithm OID, from outside the TBS; must equal `tbsSignatureAlgorithm`. */
  signatureAlgorithm: string;
  tbsSignatureAlgorithm: string;
  /** The signature BIT STRING's bytes (unused-bits byte removed). */
  signature: Buffer;
  /** DER of the issuer and subject Names, for comparison. */
  issuer: Buffer;
  subject: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** DER SubjectPublicKeyInfo. */
  spki: Buffer;
  /** Extensions by OID. */
  extensions: Extensions;
}

export type Extensions = Map<string, { critical: boolean; value: Buffer }>;

/** An AlgorithmIdentifier's OID: SEQUENCE { OID, parameters? }. */
export function readAlgorithm(buf: Buffer, tlv: Tlv | undefined, what: string): string {
  const parts = childrenOf(buf, tlv, TAG.SEQUENCE, what);
  if (parts.length < 1 || parts.length > 2) throw new DerError(`${what}: malformed AlgorithmIdentifier`);
  return readOid(buf, parts[0], `${what} OID`);
}

/**
 * String types a Name's attribute value may have: DirectoryString's (RFC 5280 §4.1.2.4), IA5String
 * (emailAddress, domainComponent) and NumericString. OpenSSL refuses other types there, and so do we.
 */
const NAME_VALUE_TAGS = new Set([0x0c, 0x12, 0x13, 0x14, 0x16, 0x1c, 0x1e]);

/** A Name (SEQUENCE OF non-empty SET OF SEQUENCE { type OID, value }), checked; its DER for comparison. */
export function readName(buf: Buffer, tlv: Tlv | undefined, what: string): Buffer {
  for (const rdn of childrenOf(buf, tlv, TAG.SEQUENCE, what)) {
    const attributes = childrenOf(buf, rdn, TAG.SET, `${what} RDN`);
    if (attributes.length === 0) throw new DerError(`${what}: empty RDN`);
    for (const attribute of attributes) {
      const [type, value, extra] = childrenOf(buf, attribute, TAG.SEQUENCE, `${what} attribute`);
      readOid(buf, type, `${what} attribute type`);
      if (!value || extra) throw new DerError(`${what}: attribute needs a type and one value`);
      if (!NAME_VALUE_TAGS.has(value.tag)) throw new DerError(`${what}: attribute value is not a string`);
    }
  }
  return whole(buf, tlv as Tlv);
}

/**
 * Extensions ::= SEQUENCE SIZE (1..MAX) OF SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue
 * OCTET STRING }, by OID; an OID twice is refused (RFC 5280 §4.2).
 */
export function readExtensions(buf: Buffer, tlv: Tlv | undefined, what: string): Extensions {
  const extensions: Extensions = new Map();
  const list = childrenOf(buf, tlv, TAG.SEQUENCE, what);
  if (list.length === 0) throw new DerError(`${what}: empty`);
  for (const ext of list) {
    const parts = childrenOf(buf, ext, TAG.SEQUENCE, 'Extension');
    if (parts.length < 2 || parts.length > 3) throw new DerError('Extension: wrong number of parts');
    const oid = readOid(buf, parts[0], 'extnID');
    const critical = parts.length === 3 ? readBoolean(buf, parts[1], 'critical') : false;
    const value = content(buf, expectTag(parts[parts.length - 1], TAG.OCTET_STRING, 'extnValue'));
    if (extensions.has(oid)) throw new DerError(`extension ${oid} appears twice`);
    extensions.set(oid, { critical, value });
  }
  return extensions;
}

/** The signature BIT STRING's bytes; signatures are whole bytes. */
export function readSignature(buf: Buffer, tlv: Tlv | undefined): Buffer {
  const bits = content(buf, expectTag(tlv, TAG.BIT_STRING, 'signature'));
  if (bits[0] !== 0) throw new DerError('signature BIT STRING with unused bits');
  return bits.subarray(1);
}

/** Parses a DER certificate; throws `DerError` for anything that is not one. */
export function parseCertificate(input: Uint8Array): ParsedCertificate {
  const der = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const certificate = readWhole(der, TAG.SEQUENCE, 'Certificate');
  checkDer(der, certificate);
  const [tbsTlv, outerAlgorithm, signatureTlv, extra] = children(der, certificate);
  if (extra) throw new DerError('Certificate has more than three parts');
  const fields = childrenOf(der, tbsTlv, TAG.SEQUENCE, 'TBSCertificate');
  let i = 0;
  let version = 1;
  if (fields[0]?.tag === 0xa0) {
    const [v, more] = children(der, fields[0]);
    const number = readSmallInteger(der, v, 'version');
    if (more || number > 2) throw new DerError('unknown certificate version');
    version = number + 1;
    i = 1;
  }
  const serial = integerHex(content(der, expectTag(fields[i], TAG.INTEGER, 'serialNumber')));
  const tbsSignatureAlgorithm = readAlgorithm(der, fields[i + 1], 'signature AlgorithmIdentifier');
  const issuer = readName(der, fields[i + 2], 'issuer');
  const [from, to, more] = childrenOf(der, fields[i + 3], TAG.SEQUENCE, 'validity');
  if (more) throw new DerError('validity has two times');
  const notBefore = readTime(der, from, 'notBefore');
  const notAfter = readTime(der, to, 'notAfter');
  const subject = readName(der, fields[i + 4], 'subject');
  const [spkiAlgorithm, key, spkiExtra] = childrenOf(
    der,
    fields[i + 5],
    TAG.SEQUENCE,
    'subjectPublicKeyInfo',
  );
  readAlgorithm(der, spkiAlgorithm, 'subjectPublicKeyInfo algorithm');
  expectTag(key, TAG.BIT_STRING, 'subjectPublicKey');
  if (spkiExtra) throw new DerError('subjectPublicKeyInfo has two parts');
  const spki = whole(der, fields[i + 5] as Tlv);

  // Then, in this order and each at most once: issuerUniqueID [1], subjectUniqueID [2], extensions [3].
  let extensions: Extensions = new Map();
  let last = 0;
  for (const field of fields.slice(i + 6)) {
    const n = field.tag === 0x81 ? 1 : field.tag === 0x82 ? 2 : field.tag === 0xa3 ? 3 : 0;
    if (n <= last) throw new DerError('unexpected field after subjectPublicKeyInfo');
    last = n;
    if (n === 3) {
      const [list, after] = children(der, field);
      if (after) throw new DerError('extensions: more than one list');
      extensions = readExtensions(der, list, 'Extensions');
    } else {
      const bits = content(der, field);
      if (bits.length === 0 || (bits[0] as number) > 7) throw new DerError('malformed unique identifier');
    }
  }

  return {
    der,
    tbs: whole(der, tbsTlv as Tlv),
    version,
    serial,
    signatureAlgorithm: readAlgorithm(der, outerAlgorithm, 'signatureAlgorithm'),
    tbsSignatureAlgorithm,
    signature: readSignature(der, signatureTlv),
    issuer,
    subject,
    notBefore,
    notAfter,
    spki,
    extensions,
  };
}

/** Well-known extension OIDs. */
export const EXTENSION = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  issuerAltName: '2.5.29.18',
  basicConstraints: '2.5.29.19',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  /** CRL extensions (RFC 5280 §5.2) and CRL entry extensions (§5.3). */
  cRLNumber: '2.5.29.20',
  reasonCode: '2.5.29.21',
  holdInstructionCode: '2.5.29.23',
  invalidityDate: '2.5.29.24',
  deltaCRLIndicator: '2.5.29.27',
  issuingDistributionPoint: '2.5.29.28',
  certificateIssuer: '2.5.29.29',
  freshestCRL: '2.5.29.46',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
} as const;
