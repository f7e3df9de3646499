import {
  children,
  content,
  DerError,
  decodeOid,
  decodeTime,
  expectTag,
  integerHex,
  readTlv,
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
  extensions: Map<string, { critical: boolean; value: Buffer }>;
}

function algorithmOid(buf: Buffer, tlv: Tlv | undefined, what: string): string {
  const [oid] = children(buf, expectTag(tlv, TAG.SEQUENCE, what));
  return decodeOid(content(buf, expectTag(oid, TAG.OID, `${what} OID`)));
}

/** Parses a DER certificate; throws `DerError` for anything that is not one. */
export function parseCertificate(input: Uint8Array): ParsedCertificate {
  const der = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const certificate = expectTag(readTlv(der, 0), TAG.SEQUENCE, 'Certificate');
  if (certificate.end !== der.length) throw new DerError('trailing bytes after the certificate');
  const [tbsTlv, outerAlgorithm, signatureTlv, extra] = children(der, certificate);
  if (extra) throw new DerError('Certificate has more than three parts');
  expectTag(tbsTlv, TAG.SEQUENCE, 'TBSCertificate');
  const signatureBits = content(der, expectTag(signatureTlv, TAG.BIT_STRING, 'signature'));
  if (signatureBits[0] !== 0) throw new DerError('signature BIT STRING with unused bits');

  const fields = children(der, tbsTlv as Tlv);
  let i = 0;
  let version = 1;
  if (fields[0]?.tag === 0xa0) {
    const [v] = children(der, fields[0]);
    const versionBytes = content(der, expectTag(v, TAG.INTEGER, 'version'));
    version = (versionBytes[versionBytes.length - 1] ?? 0) + 1;
    i = 1;
  }
  const serial = integerHex(content(der, expectTag(fields[i], TAG.INTEGER, 'serialNumber')));
  const tbsSignatureAlgorithm = algorithmOid(der, fields[i + 1], 'signature AlgorithmIdentifier');
  const issuer = whole(der, expectTag(fields[i + 2], TAG.SEQUENCE, 'issuer'));
  const [from, to] = children(der, expectTag(fields[i + 3], TAG.SEQUENCE, 'validity'));
  if (!from || !to) throw new DerError('validity needs two times');
  const subject = whole(der, expectTag(fields[i + 4], TAG.SEQUENCE, 'subject'));
  const spki = whole(der, expectTag(fields[i + 5], TAG.SEQUENCE, 'subjectPublicKeyInfo'));

  const extensions = new Map<string, { critical: boolean; value: Buffer }>();
  for (const field of fields.slice(i + 6)) {
    if (field.tag !== 0xa3) continue; // [1]/[2] unique ids are ignored
    const [list] = children(der, field);
    for (const ext of children(der, expectTag(list, TAG.SEQUENCE, 'Extensions'))) {
      const parts = children(der, expectTag(ext, TAG.SEQUENCE, 'Extension'));
      const oid = decodeOid(content(der, expectTag(parts[0], TAG.OID, 'extnID')));
      const critical = parts.length === 3 && parts[1]?.tag === TAG.BOOLEAN && content(der, parts[1])[0] !== 0;
      const value = content(der, expectTag(parts[parts.length - 1], TAG.OCTET_STRING, 'extnValue'));
      if (extensions.has(oid)) throw new DerError(`extension ${oid} appears twice`);
      extensions.set(oid, { critical, value });
    }
  }

  return {
    der,
    tbs: whole(der, tbsTlv as Tlv),
    version,
    serial,
    signatureAlgorithm: algorithmOid(der, outerAlgorithm, 'signatureAlgorithm'),
    tbsSignatureAlgorithm,
    signature: signatureBits.subarray(1),
    issuer,
    subject,
    notBefore: decodeTime(from, content(der, from)),
    notAfter: decodeTime(to, content(der, to)),
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
} as const;
