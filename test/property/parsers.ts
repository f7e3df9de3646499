import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { parseCertificate } from '#functions/jpki/certificate';
import { CRL_REASON, parseCrl } from '#functions/jpki/crl';
import { checkDer, DerError, readWhole } from '#functions/jpki/der';
import { createTestPki, issueCard } from '#test/harness/cards';
import {
  bitString,
  explicit,
  extension,
  generalizedTime,
  integerFromHex,
  OID,
  oid,
  RSA_ALGORITHMS,
  sequence,
  time,
  tlv,
} from '#test/harness/pki/der-writer';
import {
  asn1jsTree,
  decodeTree,
  derTreeArb,
  instant,
  integerArb,
  mutate,
  mutationArb,
  nodeCertificate,
  peculiarCertificate,
  peculiarCrl,
} from './der-model.ts';

/**
 * Differential properties of the DER, certificate and CRL readers (style.md "Property tests"): on random
 * valid structures they agree with independent parsers (asn1js, @peculiar/asn1-x509, node's
 * X509Certificate); on random mutations of real certificates and CRLs (truncation, length changes, bit
 * flips, indefinite and non-minimal lengths, trailing bytes, deep nesting, dropped, duplicated, retagged
 * and replaced elements) ours throws `DerError` and nothing else, and never accepts what an independent
 * parser refuses. The unit tests run a few thousand cases; `npm run fuzz` runs at least 100,000.
 */
export interface Samples {
  certificates: Buffer[];
  crls: Buffer[];
}

/** Real structures from the test PKI: signature, authentication and CA certificates; CRLs of every shape. */
export async function makeSamples(): Promise<Samples> {
  const pki = await createTestPki();
  const card = await issueCard(pki);
  const partition = pki.signCa.partition(['Tokyo', 'Shinagawa-ku']);
  const revoked = [
    { serial: '0a', reason: CRL_REASON.affiliationChanged, invalidityDate: new Date(Date.UTC(2025, 3, 1)) },
    { serial: '7fffffffffffffff', reason: CRL_REASON.keyCompromise },
    { serial: '0c', reason: null },
  ];
  return {
    certificates: [card.signature?.der ?? Buffer.alloc(0), card.authentication.der, pki.signCa.der],
    crls: await Promise.all([
      pki.signCa.crl({ revoked, scope: { distributionPoint: partition } }),
      pki.signCa.crl(),
      pki.signCa.crl({ revoked, deltaOf: 3, criticalExtension: '1.2.3.4' }),
    ]),
  };
}

/** Runs `parse`; a `DerError` means "refused", anything else thrown fails the property. */
function refusedOrParsed<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (error instanceof DerError) return undefined;
    throw error;
  }
}

function ourTree(bytes: Buffer) {
  const root = readWhole(bytes, bytes[0] ?? 0, 'structure');
  checkDer(bytes, root);
  return decodeTree(bytes);
}

const ALGORITHM = RSA_ALGORITHMS['SHA-256'];
const ATTRIBUTE_TYPES = ['2.5.4.6', '2.5.4.10', '2.5.4.11', '2.5.4.3', '2.5.4.7'];
const nameArb = fc
  .array(
    fc.tuple(
      fc.constantFrom(...ATTRIBUTE_TYPES),
      fc.oneof(
        fc.stringMatching(/^[A-Za-z0-9 ]{1,12}$/).map((s) => tlv(0x13, Buffer.from(s))),
        fc.string({ minLength: 1, maxLength: 12 }).map((s) => tlv(0x0c, Buffer.from(s, 'utf8'))),
      ),
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((rdns) => sequence(...rdns.map(([type, value]) => tlv(0x31, sequence(oid(type), value)))));

/** Extensions under a private arc (so that no parser gives them a meaning), with DER values. */
const privateExtensionsArb = fc
  .uniqueArray(fc.tuple(fc.nat({ max: 1000 }), fc.boolean(), derTreeArb), {
    maxLength: 4,
    selector: ([n]) => n,
  })
  .map((list) =>
    list.map(([n, critical, value]) => extension(oid(`1.3.6.1.4.1.99999.${n}`), critical, value)),
  );

let spkis: Buffer[] | undefined;
/** Real RSA public keys (OpenSSL decodes the key when it reads a certificate). */
function spkiPool(): Buffer[] {
  spkis ??= [1024, 2048].map((bits) =>
    generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'der', type: 'spki' }),
  );
  return spkis;
}

const certificateArb = fc
  .record({
    serial: integerArb,
    issuer: nameArb,
    subject: nameArb,
    times: fc.tuple(instant, instant),
    spki: fc.nat(),
    extensions: privateExtensionsArb,
    signature: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  })
  .map((c) => {
    const pool = spkiPool();
    const tbs = sequence(
      explicit(0, integerFromHex('02')),
      c.serial,
      ALGORITHM,
      c.issuer,
      sequence(time(c.times[0]), time(c.times[1])),
      c.subject,
      pool[c.spki % pool.length] as Buffer,
      ...(c.extensions.length ? [explicit(3, sequence(...c.extensions))] : []),
    );
    return sequence(tbs, ALGORITHM, bitString(Buffer.from(c.signature)));
  });

const entryArb = fc.record({
  date: instant,
  reason: fc.option(fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 8, 9, 10), { nil: undefined }),
  invalidityDate: fc.option(instant, { nil: undefined }),
});

const crlArb = fc
  .record({
    issuer: nameArb,
    thisUpdate: instant,
    nextUpdate: instant,
    serials: fc.uniqueArray(fc.uint8Array({ minLength: 1, maxLength: 12 }), {
      maxLength: 8,
      selector: (b) =>
        Buffer.from(b)
          .toString('hex')
          .replace(/^(00)+/, ''),
    }),
    entries: fc.array(entryArb, { minLength: 8, maxLength: 8 }),
    number: integerArb,
    extensions: privateExtensionsArb,
    signature: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  })
  .filter(({ serials }) => serials.every((s) => s.some((b) => b !== 0)) || serials.length === 0)
  .map((c) => {
    const entries = c.serials.map((serial, i) => {
      const e = c.entries[i] as (typeof c.entries)[number];
      const extensions = [
        ...(e.reason === undefined
          ? []
          : [extension(OID.reasonCode, false, tlv(0x0a, Buffer.from([e.reason])))]),
        ...(e.invalidityDate
          ? [extension(OID.invalidityDate, false, generalizedTime(e.invalidityDate))]
          : []),
      ];
      return sequence(
        integerFromHex(Buffer.from(serial).toString('hex')),
        time(e.date),
        ...(extensions.length ? [sequence(...extensions)] : []),
      );
    });
    const tbs = sequence(
      integerFromHex('01'),
      ALGORITHM,
      c.issuer,
      time(c.thisUpdate),
      time(c.nextUpdate),
      ...(entries.length ? [sequence(...entries)] : []),
      explicit(0, sequence(extension(OID.crlNumber, false, c.number), ...c.extensions)),
    );
    return sequence(tbs, ALGORITHM, bitString(Buffer.from(c.signature)));
  });

/** What our certificate reader says, in the independent parsers' shape. */
function ourCertificate(bytes: Buffer) {
  const ours = parseCertificate(bytes);
  return {
    serial: ours.serial,
    issuer: ours.issuer.toString('hex'),
    subject: ours.subject.toString('hex'),
    notBefore: ours.notBefore.getTime(),
    notAfter: ours.notAfter.getTime(),
    signatureAlgorithm: ours.signatureAlgorithm,
    extensions: [...ours.extensions].map(([id, { critical, value }]) => [
      id,
      critical,
      value.toString('hex'),
    ]),
  };
}

function ourCrl(bytes: Buffer) {
  const ours = parseCrl(bytes);
  return {
    issuer: ours.issuer.toString('hex'),
    thisUpdate: ours.thisUpdate.getTime(),
    nextUpdate: ours.nextUpdate?.getTime(),
    signatureAlgorithm: ours.signatureAlgorithm,
    entries: [...ours.revoked].map(([serial, entry]) => ({
      serial,
      revocationDate: entry.revocationDate,
      reason: entry.reason,
    })),
    extensions: [...ours.extensions].map(([id, { critical, value }]) => [
      id,
      critical,
      value.toString('hex'),
    ]),
  };
}

function same(what: string, ours: unknown, theirs: unknown): void {
  const a = JSON.stringify(ours);
  const b = JSON.stringify(theirs);
  if (a !== b) throw new Error(`${what} disagree:\n ours   ${a}\n theirs ${b}`);
}

/** Ours accepted `bytes`: the independent parser must accept them too and read the same. */
function certificateAgreement(bytes: Buffer, ours: ReturnType<typeof ourCertificate>): void {
  same('certificate (peculiar)', ours, peculiarCertificate(bytes));
  const node = nodeCertificate(bytes);
  same(
    'certificate (node)',
    { serial: ours.serial, notBefore: ours.notBefore, notAfter: ours.notAfter },
    node,
  );
}

export interface NamedProperty {
  name: string;
  /** Share of the fuzz budget. */
  weight: number;
  property: fc.IPropertyWithHooks<unknown[]> | fc.IProperty<unknown[]>;
}

export function parserProperties(samples: Samples): NamedProperty[] {
  const sampleOf = (list: Buffer[]) => fc.nat().map((n) => list[n % list.length] as Buffer);
  const all = [...samples.certificates, ...samples.crls];
  return [
    {
      name: 'DER reader agrees with asn1js on valid DER',
      weight: 1,
      property: fc.property(derTreeArb, (bytes) => {
        same('tree', ourTree(bytes), asn1jsTree(bytes));
      }),
    },
    {
      name: 'DER reader refuses mutated DER with DerError, or reads it as asn1js does',
      weight: 2,
      property: fc.property(sampleOf(all), mutationArb, (sample, mutation) => {
        const bytes = mutate(sample, mutation);
        const ours = refusedOrParsed(() => ourTree(bytes));
        if (ours) same('tree', ours, asn1jsTree(bytes));
      }),
    },
    {
      name: 'certificate reader agrees with @peculiar/asn1-x509 and node on valid certificates',
      weight: 1,
      property: fc.property(certificateArb, (bytes) => {
        certificateAgreement(bytes, ourCertificate(bytes));
      }),
    },
    {
      name: 'certificate reader refuses mutated certificates with DerError, never accepting what others refuse',
      weight: 3,
      property: fc.property(sampleOf(samples.certificates), mutationArb, (sample, mutation) => {
        const bytes = mutate(sample, mutation);
        const ours = refusedOrParsed(() => ourCertificate(bytes));
        if (ours) certificateAgreement(bytes, ours);
      }),
    },
    {
      name: 'CRL reader agrees with @peculiar/asn1-x509 on valid CRLs',
      weight: 1,
      property: fc.property(crlArb, (bytes) => {
        same('CRL', ourCrl(bytes), peculiarCrl(bytes));
      }),
    },
    {
      name: 'CRL reader refuses mutated CRLs with DerError, never accepting what others refuse',
      weight: 3,
      property: fc.property(sampleOf(samples.crls), mutationArb, (sample, mutation) => {
        const bytes = mutate(sample, mutation);
        const ours = refusedOrParsed(() => ourCrl(bytes));
        if (ours) same('CRL', ours, peculiarCrl(bytes));
      }),
    },
  ];
}
