import { X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import { children, readTlv } from '#functions/jpki/der';
import { generalizedTime, integerFromHex, oid, time, tlv } from '#test/harness/pki/der-writer';

/**
 * What the parser properties share: a tree model of DER (to take real certificates and CRLs apart,
 * mutate them structurally and put them together again), generators of valid DER, and the independent
 * parsers' views (asn1js, @peculiar/asn1-x509, node's X509Certificate) in the same shape as ours.
 */
export interface DerNode {
  tag: number;
  /** Primitive content, or the children of a constructed node. */
  content?: Buffer;
  children?: DerNode[];
  /** Already encoded (deep nesting is built as bytes, without recursion). */
  raw?: Buffer;
}

/** Our reader's view of a TLV tree: constructed tags are entered, primitives kept as bytes. */
export function decodeTree(buf: Buffer, at = 0, limit = buf.length): DerNode {
  const node = readTlv(buf, at, limit);
  if (node.tag & 0x20)
    return { tag: node.tag, children: children(buf, node).map((c) => decodeTree(buf, c.start, c.end)) };
  return { tag: node.tag, content: buf.subarray(node.contentStart, node.end) };
}

export function encodeTree(node: DerNode): Buffer {
  if (node.raw) return node.raw;
  return node.children
    ? tlv(node.tag, ...node.children.map(encodeTree))
    : tlv(node.tag, node.content ?? Buffer.alloc(0));
}

/** Every node of a tree, depth first, with a way to replace it. */
export function nodesOf(root: DerNode): { node: DerNode; replace: (next: DerNode[]) => void }[] {
  const out: { node: DerNode; replace: (next: DerNode[]) => void }[] = [];
  const visit = (node: DerNode, parent?: DerNode) => {
    out.push({
      node,
      replace: (next) => {
        if (!parent?.children) return;
        const index = parent.children.indexOf(node);
        parent.children.splice(index, 1, ...next);
      },
    });
    for (const child of node.children ?? []) visit(child, node);
  };
  visit(root);
  return out;
}

const clone = (node: DerNode): DerNode => structuredClone(node);

/** asn1js's view of the same bytes, in our tree's shape; throws when asn1js refuses them. */
export function asn1jsTree(buf: Buffer): DerNode {
  const parsed = asn1js.fromBER(new Uint8Array(buf));
  if (parsed.offset === -1) throw new Error(`asn1js: ${parsed.result.error}`);
  if (parsed.offset !== buf.length) throw new Error('asn1js: trailing bytes');
  const convert = (block: asn1js.AsnType): DerNode => {
    const id = block.idBlock;
    const tag = ((id.tagClass - 1) << 6) | (id.isConstructed ? 0x20 : 0) | id.tagNumber;
    if (id.isConstructed) {
      const value = (block.valueBlock as unknown as { value: asn1js.AsnType[] }).value;
      return { tag, children: value.map(convert) };
    }
    const whole = Buffer.from(block.valueBeforeDecodeView);
    const header = whole.length - block.lenBlock.length;
    return { tag, content: whole.subarray(header) };
  };
  return convert(parsed.result);
}

/** @peculiar/asn1-x509's view of a certificate, as comparable fields. */
export function peculiarCertificate(buf: Buffer) {
  const cert = AsnConvert.parse(buf, asn.Certificate);
  const tbs = cert.tbsCertificate;
  return {
    serial: serialHex(new Uint8Array(tbs.serialNumber)),
    issuer: Buffer.from(AsnConvert.serialize(tbs.issuer)).toString('hex'),
    subject: Buffer.from(AsnConvert.serialize(tbs.subject)).toString('hex'),
    notBefore: tbs.validity.notBefore.getTime().getTime(),
    notAfter: tbs.validity.notAfter.getTime().getTime(),
    signatureAlgorithm: cert.signatureAlgorithm.algorithm,
    extensions: (tbs.extensions ?? []).map((e) => [
      e.extnID,
      e.critical,
      Buffer.from(e.extnValue.buffer).toString('hex'),
    ]),
  };
}

/** Node's (OpenSSL's) view of a certificate. */
export function nodeCertificate(buf: Buffer) {
  const cert = new X509Certificate(buf);
  return {
    serial: canonicalSerial(
      cert.serialNumber.startsWith('-')
        ? -BigInt(`0x${cert.serialNumber.slice(1)}`)
        : BigInt(`0x${cert.serialNumber}`),
    ),
    notBefore: Date.parse(cert.validFrom),
    notAfter: Date.parse(cert.validTo),
  };
}

/** @peculiar/asn1-x509's view of a CRL, as comparable fields. */
export function peculiarCrl(buf: Buffer) {
  const crl = AsnConvert.parse(buf, asn.CertificateList);
  const tbs = crl.tbsCertList;
  return {
    issuer: Buffer.from(AsnConvert.serialize(tbs.issuer)).toString('hex'),
    thisUpdate: tbs.thisUpdate.getTime().getTime(),
    nextUpdate: tbs.nextUpdate?.getTime().getTime(),
    signatureAlgorithm: crl.signatureAlgorithm.algorithm,
    entries: (tbs.revokedCertificates ?? []).map((entry) => ({
      serial: serialHex(new Uint8Array(entry.userCertificate)),
      revocationDate: entry.revocationDate.getTime().getTime(),
      reason: reasonOf(entry.crlEntryExtensions ?? []),
    })),
    extensions: (tbs.crlExtensions ?? []).map((e) => [
      e.extnID,
      e.critical,
      Buffer.from(e.extnValue.buffer).toString('hex'),
    ]),
  };
}

function reasonOf(extensions: asn.Extension[]): number | undefined {
  const ext = extensions.find((e) => e.extnID === asn.id_ce_cRLReasons);
  if (!ext) return undefined;
  return AsnConvert.parse(ext.extnValue, asn.CRLReason).reason;
}

/**
 * A serial (OpenSSL shows it signed) in the project's form: the hex of its DER content (two's complement,
 * minimal) without leading zero bytes (design.md §3.8).
 */
export function canonicalSerial(value: bigint): string {
  let bytes = 1;
  while (value >= 1n << BigInt(8 * bytes - 1) || value < -(1n << BigInt(8 * bytes - 1))) bytes += 1;
  const twos = value < 0n ? (1n << BigInt(8 * bytes)) + value : value;
  const hex = twos.toString(16).padStart(bytes * 2, '0');
  return hex.replace(/^(00)+(?=..)/, '');
}

function serialHex(bytes: Uint8Array): string {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return Buffer.from(bytes.subarray(i)).toString('hex');
}

// ——— generators of valid DER ———

const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((b) => Buffer.from(b));
const printable = fc.stringMatching(/^[A-Za-z0-9 '()+,\-./:=?]{1,16}$/);
/** Instants DER can write: whole seconds from 1950 to 9999. */
export const instant = fc
  .integer({ min: Date.UTC(1950, 0, 1) / 1000, max: Date.UTC(9999, 11, 31, 23, 59, 59) / 1000 })
  .map((s) => new Date(s * 1000));
/** An instant that X.509 writes as UTCTime up to 2049 and GeneralizedTime after (RFC 5280 §4.1.2.5). */
export const x509Time = instant.map(time);

export const oidArb = fc
  .tuple(
    fc.integer({ min: 0, max: 2 }),
    fc.integer({ min: 0, max: 39 }),
    fc.array(fc.nat({ max: 2 ** 31 }), { maxLength: 6 }),
  )
  .map(([a, b, rest]) => [a, b, ...rest].join('.'));

export const integerArb = fc
  .uint8Array({ minLength: 1, maxLength: 20 })
  .map((b) => integerFromHex(Buffer.from(b).toString('hex')));

/** Valid primitive TLVs of the universal types the readers meet, and context-specific ones. */
export const primitiveArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc.boolean().map((b) => tlv(0x01, Buffer.from([b ? 0xff : 0]))),
  integerArb,
  fc.tuple(bytes(16), fc.integer({ min: 0, max: 7 })).map(([b, unused]) => {
    if (b.length === 0) return tlv(0x03, Buffer.from([0]));
    b[b.length - 1] = (b[b.length - 1] as number) & (0xff << unused);
    return tlv(0x03, Buffer.from([unused]), b);
  }),
  bytes(32).map((b) => tlv(0x04, b)),
  fc.constant(tlv(0x05)),
  oidArb.map(oid),
  fc.string({ maxLength: 12 }).map((s) => tlv(0x0c, Buffer.from(s, 'utf8'))),
  printable.map((s) => tlv(0x13, Buffer.from(s, 'latin1'))),
  fc.string({ unit: 'binary-ascii', maxLength: 12 }).map((s) => tlv(0x16, Buffer.from(s, 'latin1'))),
  instant.filter((d) => d.getUTCFullYear() < 2050).map((d) => time(d)),
  instant.map(generalizedTime),
  fc.tuple(fc.integer({ min: 0, max: 30 }), bytes(16)).map(([n, b]) => tlv(0x80 | n, b)),
);

/** Valid DER trees: SEQUENCE, SET and context-specific constructions of the primitives above. */
export const derTreeArb: fc.Arbitrary<Buffer> = fc.letrec<{ node: Buffer; constructed: Buffer }>((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, primitiveArb, tie('constructed')),
  constructed: fc
    .tuple(fc.constantFrom(0x30, 0x31, 0xa0, 0xa1, 0xa3, 0xbe), fc.array(tie('node'), { maxLength: 5 }))
    .map(([tag, kids]) => tlv(tag, ...kids)),
})).node;

// ——— mutations of real structures ———

export type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; bits: [number, number][] }
  | { kind: 'length'; node: number; delta: number }
  | { kind: 'longLength'; node: number }
  | { kind: 'indefinite'; node: number }
  | { kind: 'trailing'; bytes: Buffer }
  | { kind: 'nest'; node: number; depth: number }
  | { kind: 'drop'; node: number }
  | { kind: 'duplicate'; node: number }
  | { kind: 'retag'; node: number; tag: number }
  | { kind: 'replace'; node: number; with: Buffer };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map((at) => ({ kind: 'truncate' as const, at })),
  fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 })
    .map((bits) => ({ kind: 'flip' as const, bits })),
  fc
    .tuple(fc.nat(), fc.integer({ min: -3, max: 3 }))
    .map(([node, delta]) => ({ kind: 'length' as const, node, delta })),
  fc.nat().map((node) => ({ kind: 'longLength' as const, node })),
  fc.nat().map((node) => ({ kind: 'indefinite' as const, node })),
  bytes(8).map((b) => ({ kind: 'trailing' as const, bytes: Buffer.concat([b, Buffer.from([0])]) })),
  fc
    .tuple(fc.nat(), fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1000, max: 5000 })))
    .map(([node, depth]) => ({ kind: 'nest' as const, node, depth })),
  fc.nat().map((node) => ({ kind: 'drop' as const, node })),
  fc.nat().map((node) => ({ kind: 'duplicate' as const, node })),
  fc
    .tuple(fc.nat(), fc.integer({ min: 1, max: 0xfe }))
    .map(([node, tag]) => ({ kind: 'retag' as const, node, tag })),
  fc
    .tuple(fc.nat(), derTreeArb)
    .map(([node, replacement]) => ({ kind: 'replace' as const, node, with: replacement })),
);

/** Applies a mutation to a valid DER structure. Structural ones re-encode; byte ones edit the bytes. */
export function mutate(sample: Buffer, mutation: Mutation): Buffer {
  switch (mutation.kind) {
    case 'truncate':
      return sample.subarray(0, mutation.at % sample.length);
    case 'flip': {
      const out = Buffer.from(sample);
      for (const [at, bit] of mutation.bits)
        out[at % out.length] = (out[at % out.length] as number) ^ (1 << bit);
      return out;
    }
    case 'trailing':
      return Buffer.concat([sample, mutation.bytes]);
    default:
  }
  const tree = decodeTree(sample);
  const nodes = nodesOf(tree);
  const target = nodes[mutation.node % nodes.length] as (typeof nodes)[number];
  const encoded = () => encodeTree(target.node);
  const splice = (replacement: Buffer): Buffer => {
    // Replace the target's encoding in place, keeping every enclosing length as it was (now wrong) for
    // byte-level edits, or re-encoding the tree for structural ones.
    const before = encodeTree(target.node);
    const at = sample.indexOf(before);
    return at < 0
      ? sample
      : Buffer.concat([sample.subarray(0, at), replacement, sample.subarray(at + before.length)]);
  };
  switch (mutation.kind) {
    case 'length': {
      const bytes = encoded();
      const out = Buffer.from(bytes);
      const lengthAt = 1 + ((out[1] as number) & 0x80 ? (out[1] as number) & 0x7f : 0);
      out[lengthAt] = ((out[lengthAt] as number) + mutation.delta) & 0xff;
      return splice(out);
    }
    case 'longLength': {
      // The same length in a longer (non-minimal) form: BER allows it, DER does not.
      const bytes = encoded();
      const body = target.node.children
        ? Buffer.concat(target.node.children.map(encodeTree))
        : (target.node.content ?? Buffer.alloc(0));
      const header = Buffer.from([bytes[0] as number, 0x84, 0, 0, 0, 0]);
      header.writeUInt32BE(body.length, 2);
      return splice(Buffer.concat([header, body]));
    }
    case 'indefinite': {
      if (!target.node.children) return splice(encoded());
      const body = Buffer.concat(target.node.children.map(encodeTree));
      return splice(Buffer.concat([Buffer.from([target.node.tag, 0x80]), body, Buffer.from([0, 0])]));
    }
    case 'nest': {
      let wrapped = encoded();
      for (let i = 0; i < mutation.depth; i++) wrapped = tlv(0x30, wrapped);
      target.replace([{ tag: 0x30, raw: wrapped }]);
      return target.node === tree ? wrapped : encodeTree(tree);
    }
    case 'drop':
      target.replace([]);
      return encodeTree(tree);
    case 'duplicate':
      target.replace([target.node, clone(target.node)]);
      return encodeTree(tree);
    case 'retag':
      target.node.tag = mutation.tag & 0x20 && !target.node.children ? mutation.tag & ~0x20 : mutation.tag;
      if (target.node.children && !(target.node.tag & 0x20)) target.node.tag |= 0x20;
      return encodeTree(tree);
    case 'replace':
      target.replace([decodeTree(mutation.with)]);
      return target.node === tree ? mutation.with : encodeTree(tree);
  }
}
