import 'reflect-metadata';
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign,
  webcrypto,
  X509Certificate,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import {
  AUTHENTICATION_POLICY_OID,
  encodeDateOfBirth,
  JPKI_SAN_OIDS,
  type SanItem,
  TEST_SIGNATURE_POLICY_OID,
} from '#functions/jpki/profile';
import {
  bitString,
  enumerated,
  explicit,
  generalizedTime,
  integerFromHex,
  OID,
  oid,
  RSA_ALGORITHMS,
  sequence,
  time,
  tlv,
  extension as writeExtension,
} from './der-writer.ts';
import { type HashName, type RsaKeyPair, rsaKeyPair, webCryptoPair } from './keys.ts';
import { fifthBirthdayAfter, type Person } from './person.ts';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/**
 * A test PKI shaped like J-LIS's (jpki.md §3): single-tier self-signed CAs that issue signature and
 * authentication certificates with the real profile, and sign CRLs. Its names say JPKI-TEST so that
 * nothing it makes can be mistaken for the real thing; production refuses it by fingerprint.
 */
export type CaKind = 'signature' | 'authentication';

const OU_BY_KIND: Record<CaKind, string> = {
  signature: 'JPKI for digital signature',
  authentication: 'JPKI for user authentication',
};
const JLIS_OU = 'Japan Agency for Local Authority Information Systems';
const CPS_URI = 'http://www.jpki.go.jp/cps.html';
const UTF8 = 'utf8String' as const;
const PRINTABLE = 'printableString' as const;

type Rdn = [type: string, value: string, encoding?: typeof UTF8 | typeof PRINTABLE];

/** An asn1 Name from RDNs in order, each with its string type (the profile mixes Printable and UTF8). */
function asnName(rdns: Rdn[]): asn.Name {
  return new asn.Name(
    rdns.map(
      ([type, value, encoding = UTF8]) =>
        new asn.RelativeDistinguishedName([
          new asn.AttributeTypeAndValue({ type, value: new asn.AttributeValue({ [encoding]: value }) }),
        ]),
    ),
  );
}

const C = '2.5.4.6';
const O = '2.5.4.10';
const OU = '2.5.4.11';
const L = '2.5.4.7';
const CN = '2.5.4.3';

function der(value: unknown): ArrayBuffer {
  return AsnConvert.serialize(value);
}

function utf8StringDer(text: string): ArrayBuffer {
  return der(new asn.DirectoryString({ utf8String: text }));
}

function extension(oid: string, critical: boolean, value: ArrayBuffer): x509.Extension {
  return new x509.Extension(oid, critical, value);
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's contents. */
function keyIdentifier(pair: RsaKeyPair): Buffer {
  const spki = AsnConvert.parse(
    pair.publicKey.export({ format: 'der', type: 'spki' }),
    asn.SubjectPublicKeyInfo,
  );
  return createHash('sha1').update(Buffer.from(spki.subjectPublicKey)).digest();
}

function randomSerial(): string {
  const bytes = randomBytes(8);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  if (bytes[0] === 0) bytes[0] = 0x01;
  return bytes.toString('hex');
}

/** The end of `date`'s day in JST (14:59:59Z), the convention of every JPKI validity end. */
export function endOfJstDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), 14, 59, 59));
}

export interface TestCaOptions {
  kind?: CaKind;
  /** The O of the CA's name; `JPKI-TEST` by default. Give another for an "unknown CA". */
  organization?: string;
  notBefore?: Date;
  notAfter?: Date;
  /** Reuse a key pair (otherwise a fresh RSA-2048 one). */
  key?: RsaKeyPair;
}

export interface IssueOptions {
  /** When the certificate was issued; default one day ago. */
  issuedAt?: Date;
  notBefore?: Date;
  /** Default: the fifth birthday after issuance, capped by `cardExpiry`. */
  notAfter?: Date;
  cardExpiry?: Date;
  keyBits?: number;
  hash?: HashName;
  /** `authentication`: digitalSignature only, the wrong key usage for a signature certificate. */
  keyUsage?: 'signature' | 'authentication';
  policy?: string;
  serial?: string;
  key?: RsaKeyPair;
  /** Leave items out of the subjectAltName (a certificate that lacks the four basic items). */
  omitSanItems?: SanItem[];
  /** Another CRL distribution point than the holder's municipality; `null` leaves the extension out. */
  crlDistributionPoint?: asn.Name | null;
}

export interface IssuedCertificate {
  der: Buffer;
  key: RsaKeyPair;
  /** Lower-case hex, as in CRL entries. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
}

export interface RevokedEntry {
  serial: string;
  /** The reasonCode (default affiliationChanged); `null` writes no reasonCode. */
  reason?: x509.X509CrlReason | null;
  date?: Date;
  invalidityDate?: Date;
  /** An entry extension (by dotted OID) no verifier knows, marked critical. */
  criticalExtension?: string;
}

export class TestCa {
  private constructor(
    readonly kind: CaKind,
    readonly organization: string,
    readonly name: asn.Name,
    readonly key: RsaKeyPair,
    readonly der: Buffer,
  ) {}

  /** The CA's name followed by one more RDN (a distribution point named relative to the CA). */
  nameWith(type: string, value: string): asn.Name {
    return new asn.Name([...this.name, ...asnName([[type, value]])]);
  }

  /** A self-signed CA with the J-LIS CA profile (jpki.md §3.7) under a test name. */
  static async create(options: TestCaOptions = {}): Promise<TestCa> {
    const kind = options.kind ?? 'signature';
    const organization = options.organization ?? 'JPKI-TEST';
    const key = options.key ?? (await rsaKeyPair());
    const name = asnName([
      [C, 'JP', PRINTABLE],
      [O, organization],
      [OU, OU_BY_KIND[kind]],
      [OU, JLIS_OU],
    ]);
    const notBefore = options.notBefore ?? new Date(Date.now() - 365 * 86_400_000);
    const notAfter = options.notAfter ?? endOfJstDay(new Date(Date.now() + 10 * 365 * 86_400_000));
    const altName = asnName([
      [C, 'JP', PRINTABLE],
      [O, '公的個人認証サービス（テスト）'],
      [OU, kind === 'signature' ? '公的個人認証サービス署名用' : '公的個人認証サービス利用者証明用'],
      [OU, '地方公共団体情報システム機構'],
    ]);
    const crypto = await webCryptoPair(key, 'SHA-256');
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: new x509.Name(der(name)),
      issuer: new x509.Name(der(name)),
      notBefore,
      notAfter,
      publicKey: crypto.publicKey,
      signingKey: crypto.privateKey,
      signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as Algorithm,
      extensions: [
        extension(
          asn.id_ce_keyUsage,
          true,
          der(new asn.KeyUsage(asn.KeyUsageFlags.keyCertSign | asn.KeyUsageFlags.cRLSign)),
        ),
        extension(
          asn.id_ce_subjectAltName,
          false,
          der(new asn.SubjectAlternativeName([new asn.GeneralName({ directoryName: altName })])),
        ),
        extension(asn.id_ce_basicConstraints, true, der(new asn.BasicConstraints({ cA: true }))),
        extension(asn.id_ce_cRLDistributionPoints, false, der(crlDistributionPoints(name))),
        extension(
          asn.id_ce_subjectKeyIdentifier,
          false,
          der(new asn.SubjectKeyIdentifier(keyIdentifier(key))),
        ),
      ],
    });
    return new TestCa(kind, organization, name, key, Buffer.from(certificate.rawData));
  }

  /** Writes the CA (certificate, private key, kind) to `dir` as `<name>.der`, `<name>.key.pem`, `<name>.json`. */
  save(dir: string, name: string): void {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `${name}.der`), this.der);
    writeFileSync(path.join(dir, `${name}.pem`), this.pem);
    writeFileSync(
      path.join(dir, `${name}.key.pem`),
      this.key.privateKey.export({ format: 'pem', type: 'pkcs8' }),
      {
        mode: 0o600,
      },
    );
    writeFileSync(
      path.join(dir, `${name}.json`),
      JSON.stringify({ kind: this.kind, organization: this.organization }),
    );
  }

  /** Reads a CA written by `save`, or undefined if it is not there. */
  static load(dir: string, name: string): TestCa | undefined {
    const file = (ext: string) => path.join(dir, `${name}${ext}`);
    if (!existsSync(file('.der')) || !existsSync(file('.key.pem')) || !existsSync(file('.json')))
      return undefined;
    const der = readFileSync(file('.der'));
    const privateKey = createPrivateKey(readFileSync(file('.key.pem')));
    const meta = JSON.parse(readFileSync(file('.json'), 'utf8')) as { kind: CaKind; organization: string };
    const subject = AsnConvert.parse(der, asn.Certificate).tbsCertificate.subject;
    return new TestCa(
      meta.kind,
      meta.organization,
      subject,
      { privateKey, publicKey: createPublicKey(privateKey) },
      der,
    );
  }

  get pem(): string {
    return new X509Certificate(this.der).toString();
  }

  /** A signature certificate (署名用電子証明書) for a person, with the profile of jpki.md §3.1–3.6. */
  async issueSignatureCertificate(
    holder: Required<Person>,
    options: IssueOptions = {},
  ): Promise<IssuedCertificate> {
    const items: [SanItem, string][] = [
      ['name', holder.name],
      ['dateOfBirth', encodeDateOfBirth(holder.dateOfBirth)],
      ['gender', { male: '1', female: '2', unknown: '3' }[holder.gender]],
      ['address', holder.address],
      ['nameFlags', holder.nameFlags],
      ['addressFlags', holder.addressFlags],
    ];
    const omitted = new Set(options.omitSanItems ?? []);
    const san = new asn.SubjectAlternativeName(
      items
        .filter(([item]) => !omitted.has(item))
        .map(
          ([item, value]) =>
            new asn.GeneralName({
              otherName: new asn.OtherName({ typeId: JPKI_SAN_OIDS[item], value: utf8StringDer(value) }),
            }),
        ),
    );
    const [prefecture, municipality] = holder.locality;
    return this.issue({
      ...options,
      dateOfBirth: holder.dateOfBirth,
      subject: asnName([
        [C, 'JP', PRINTABLE],
        [L, prefecture],
        [L, municipality],
        [CN, opaqueSubjectId()],
      ]),
      keyUsage: options.keyUsage ?? 'signature',
      policy: options.policy ?? TEST_SIGNATURE_POLICY_OID,
      san,
      crlDistributionPoint:
        options.crlDistributionPoint === undefined
          ? this.partition([prefecture, municipality])
          : options.crlDistributionPoint,
    });
  }

  /** An authentication certificate (利用者証明用電子証明書): opaque subject, no personal data. */
  async issueAuthenticationCertificate(
    holder: Required<Person>,
    options: IssueOptions = {},
  ): Promise<IssuedCertificate> {
    return this.issue({
      ...options,
      dateOfBirth: holder.dateOfBirth,
      subject: asnName([
        [C, 'JP', PRINTABLE],
        [CN, opaqueSubjectId()],
      ]),
      keyUsage: options.keyUsage ?? 'authentication',
      policy: options.policy ?? AUTHENTICATION_POLICY_OID,
      crlDistributionPoint: asnName([
        [C, 'JP', PRINTABLE],
        [O, this.organization],
        [OU, OU_BY_KIND.authentication],
        [OU, 'CRL Distribution Points'],
      ]),
    });
  }

  private async issue(
    spec: IssueOptions & {
      dateOfBirth: string;
      subject: asn.Name;
      keyUsage: 'signature' | 'authentication';
      policy: string;
      san?: asn.SubjectAlternativeName;
      crlDistributionPoint: asn.Name | null;
    },
  ): Promise<IssuedCertificate> {
    const key = spec.key ?? (await rsaKeyPair(spec.keyBits ?? 2048));
    const hash = spec.hash ?? 'SHA-256';
    const issuedAt = spec.issuedAt ?? new Date(Date.now() - 86_400_000);
    const notBefore = spec.notBefore ?? issuedAt;
    const notAfter = spec.notAfter ?? fifthBirthdayAfter(issuedAt, spec.dateOfBirth, spec.cardExpiry);
    const serial = spec.serial ?? randomSerial();
    const caKeys = await webCryptoPair(this.key, hash);
    const subjectKeys = await webCryptoPair(key, hash);
    const usage =
      spec.keyUsage === 'signature'
        ? asn.KeyUsageFlags.digitalSignature | asn.KeyUsageFlags.nonRepudiation
        : asn.KeyUsageFlags.digitalSignature;
    const policies = new asn.CertificatePolicies([
      new asn.PolicyInformation({
        policyIdentifier: spec.policy,
        policyQualifiers: [
          new asn.PolicyQualifierInfo({ policyQualifierId: asn.id_qt_csp, qualifier: ia5StringDer(CPS_URI) }),
        ],
      }),
    ]);
    const issuerAltName = asnName([
      [C, 'JP', PRINTABLE],
      [O, '公的個人認証サービス（テスト）'],
      [OU, this.kind === 'signature' ? '公的個人認証サービス署名用' : '公的個人認証サービス利用者証明用'],
      [OU, '地方公共団体情報システム機構'],
    ]);
    const extensions = [
      extension(asn.id_ce_keyUsage, true, der(new asn.KeyUsage(usage))),
      ...(spec.san ? [extension(asn.id_ce_subjectAltName, false, der(spec.san))] : []),
      extension(asn.id_ce_certificatePolicies, true, der(policies)),
      extension(
        asn.id_ce_issuerAltName,
        false,
        der(new asn.IssueAlternativeName([new asn.GeneralName({ directoryName: issuerAltName })])),
      ),
      ...(spec.crlDistributionPoint
        ? [
            extension(
              asn.id_ce_cRLDistributionPoints,
              false,
              der(crlDistributionPoints(spec.crlDistributionPoint)),
            ),
          ]
        : []),
      extension(
        asn.id_ce_authorityKeyIdentifier,
        false,
        der(
          new asn.AuthorityKeyIdentifier({ keyIdentifier: new asn.KeyIdentifier(keyIdentifier(this.key)) }),
        ),
      ),
      extension(asn.id_ce_subjectKeyIdentifier, false, der(new asn.SubjectKeyIdentifier(keyIdentifier(key)))),
    ];
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject: new x509.Name(der(spec.subject)),
      issuer: new x509.Name(der(this.name)),
      notBefore,
      notAfter,
      publicKey: subjectKeys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash } as Algorithm,
      extensions,
    });
    return { der: Buffer.from(certificate.rawData), key, serial, notBefore, notAfter };
  }

  /**
   * The directoryName of the CRL distribution point that this CA writes into the signature certificates of
   * a municipality (jpki.md §3.6): `C=JP, O=<org>, OU=JPKI for digital signature, OU=CRL Distribution
   * Points, OU=<prefecture>, CN=<municipality>`.
   */
  partition(locality: readonly [prefecture: string, municipality: string]): asn.Name {
    return asnName([
      [C, 'JP', PRINTABLE],
      [O, this.organization],
      [OU, OU_BY_KIND.signature],
      [OU, 'CRL Distribution Points'],
      [OU, locality[0]],
      [CN, locality[1]],
    ]);
  }

  /**
   * A CRL (v2) signed by this CA, SHA-256 unless told, listing serials with reason codes; written with the
   * harness's DER writer so that one of 100,000 entries takes moments. `signer` signs with another key (a
   * forgery that must not verify). The options also make the CRLs that must never be used: a partition
   * CRL (IssuingDistributionPoint) for another municipality, a delta CRL, one with an unknown critical
   * extension, one that covers only some reasons, an indirect CRL, one for CA certificates only.
   */
  async crl(options: CrlOptions = {}): Promise<Buffer> {
    const hash = options.hash ?? 'SHA-256';
    const thisUpdate = options.thisUpdate ?? new Date(Date.now() - 3_600_000);
    const nextUpdate = options.nextUpdate ?? new Date(thisUpdate.getTime() + 86_400_000);
    const algorithm = RSA_ALGORITHMS[hash];
    const entries = (options.revoked ?? []).map((entry) => {
      const reason =
        entry.reason === null ? undefined : (entry.reason ?? x509.X509CrlReason.affiliationChanged);
      const extensions = [
        ...(reason === undefined ? [] : [writeExtension(OID.reasonCode, false, enumerated(reason))]),
        ...(entry.invalidityDate
          ? [writeExtension(OID.invalidityDate, false, generalizedTime(entry.invalidityDate))]
          : []),
        ...(entry.criticalExtension ? [writeExtension(oid(entry.criticalExtension), true, tlv(0x05))] : []),
      ];
      return sequence(
        integerFromHex(entry.serial),
        time(entry.date ?? new Date(thisUpdate.getTime() - 60_000)),
        ...(extensions.length ? [sequence(...extensions)] : []),
      );
    });
    const aki = Buffer.from(
      der(new asn.AuthorityKeyIdentifier({ keyIdentifier: new asn.KeyIdentifier(keyIdentifier(this.key)) })),
    );
    const scope = options.scope;
    const idp = scope
      ? sequence(
          ...(scope.distributionPoint
            ? [
                explicit(
                  0,
                  scope.relativeName
                    ? tlv(0xa1, ...relativeNameContents(scope.distributionPoint))
                    : explicit(0, tlv(0xa4, Buffer.from(der(scope.distributionPoint)))),
                ),
              ]
            : []),
          ...(scope.distributionPointKey
            ? [explicit(0, explicit(0, Buffer.from(scope.distributionPointKey, 'hex')))]
            : []),
          ...(scope.onlyUserCertificates ? [tlv(0x81, Buffer.from([0xff]))] : []),
          ...(scope.onlyCaCertificates ? [tlv(0x82, Buffer.from([0xff]))] : []),
          ...(scope.onlySomeReasons ? [tlv(0x83, Buffer.from([0x07, 0x80]))] : []),
          ...(scope.indirect ? [tlv(0x84, Buffer.from([0xff]))] : []),
        )
      : undefined;
    const crlExtensions = [
      writeExtension(OID.authorityKeyIdentifier, false, aki),
      writeExtension(OID.crlNumber, false, integerFromHex((options.number ?? 1).toString(16))),
      ...(idp ? [writeExtension(OID.issuingDistributionPoint, true, idp)] : []),
      ...(options.deltaOf !== undefined
        ? [writeExtension(OID.deltaCrlIndicator, true, integerFromHex(options.deltaOf.toString(16)))]
        : []),
      ...(options.criticalExtension ? [writeExtension(oid(options.criticalExtension), true, tlv(0x05))] : []),
    ];
    const tbs = sequence(
      integerFromHex('01'),
      algorithm,
      Buffer.from(der(this.name)),
      time(thisUpdate),
      ...(options.omitNextUpdate ? [] : [time(nextUpdate)]),
      ...(entries.length ? [sequence(Buffer.concat(entries))] : []),
      explicit(0, sequence(...crlExtensions)),
    );
    const signature = sign(
      hash === 'SHA-1' ? 'sha1' : 'sha256',
      tbs,
      (options.signer ?? this.key).privateKey,
    );
    return sequence(tbs, algorithm, bitString(signature));
  }
}

export interface CrlOptions {
  revoked?: RevokedEntry[];
  thisUpdate?: Date;
  nextUpdate?: Date;
  omitNextUpdate?: boolean;
  hash?: HashName;
  signer?: RsaKeyPair;
  /** cRLNumber (default 1). */
  number?: number;
  /** An IssuingDistributionPoint: what the CRL covers. Absent: every certificate of the CA. */
  scope?: {
    /** The distribution point's name, e.g. `ca.partition(['Tokyo', 'Chiyoda-ku'])`. */
    distributionPoint?: asn.Name;
    /** The distribution point as a GeneralName's DER in hex (a key of `distribution-points.ts`). */
    distributionPointKey?: string;
    /** Write the name as nameRelativeToCRLIssuer (its last RDN relative to the CA's name). */
    relativeName?: boolean;
    onlyUserCertificates?: boolean;
    onlyCaCertificates?: boolean;
    onlySomeReasons?: boolean;
    indirect?: boolean;
  };
  /** A delta CRL: the deltaCRLIndicator naming this base CRL number. */
  deltaOf?: number;
  /** An extension (by dotted OID) no verifier knows, marked critical. */
  criticalExtension?: string;
}

/**
 * The attributes of the RDNs that `name` adds to the CA's name, for nameRelativeToCRLIssuer. RFC 5280
 * allows one RDN; the partition name adds four, so the relative form is tested with a one-RDN name.
 */
function relativeNameContents(name: asn.Name): Buffer[] {
  const last = name[name.length - 1];
  if (!last) throw new Error('an empty name has no relative part');
  return Array.from(last, (attribute) => Buffer.from(der(attribute)));
}

function crlDistributionPoints(directoryName: asn.Name): asn.CRLDistributionPoints {
  return new asn.CRLDistributionPoints([
    new asn.DistributionPoint({
      distributionPoint: new asn.DistributionPointName({
        fullName: [new asn.GeneralName({ directoryName })],
      }),
    }),
  ]);
}

function ia5StringDer(text: string): ArrayBuffer {
  const bytes = Buffer.from(text, 'ascii');
  const out = Buffer.concat([Buffer.from([0x16, bytes.length]), bytes]);
  return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) as ArrayBuffer;
}

/** The subject CN of a real card: issuance timestamp, 5-digit sequence, 9-character desk id (§3.3). */
function opaqueSubjectId(): string {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const sequence = String(randomBytes(2).readUInt16BE(0) % 100_000).padStart(5, '0');
  const desk = randomBytes(9)
    .toString('base64')
    .replace(/[^A-Z0-9]/gi, 'X')
    .toUpperCase()
    .slice(0, 9);
  return `${stamp}${sequence}${desk}`;
}

export { x509 };
