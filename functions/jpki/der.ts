import { isUtf8 } from 'node:buffer';

/**
 * A minimal DER reader: enough to walk a certificate or a CRL without building an object tree. It checks
 * every length against the buffer it is in and throws `DerError` on anything malformed, so callers can
 * trust offsets. Long-form lengths of up to four bytes are accepted; indefinite lengths (BER) are not.
 * `checkDer` walks a whole structure once and refuses what is not DER (constructed strings, bad booleans,
 * non-minimal integers, invalid strings and times, nesting deeper than `MAX_DEPTH`), so that a reader
 * built on it never accepts bytes that an independent parser rejects (the differential tests check that).
 */
export class DerError extends Error {
  override name = 'DerError';
}

export interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the content. */
  end: number;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Reads the TLV at `offset`, which must end at or before `limit`. */
export function readTlv(buf: Uint8Array, offset: number, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw new DerError('truncated: no room for a tag and a length');
  const tag = buf[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not used here');
  let length = buf[offset + 1] as number;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0) throw new DerError('indefinite length is not DER');
    if (count > 4) throw new DerError('length too long');
    if (contentStart + count > limit) throw new DerError('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buf[contentStart + i] as number);
    if (length < 0x80 || (count > 1 && buf[contentStart] === 0))
      throw new DerError('length not minimally encoded');
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new DerError('truncated: content runs past its container');
  return { tag, start: offset, contentStart, end };
}

/** The TLVs directly inside a constructed TLV. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let offset = parent.contentStart;
  while (offset < parent.end) {
    const child = readTlv(buf, offset, parent.end);
    out.push(child);
    offset = child.end;
  }
  return out;
}

/** Throws unless the TLV has the expected tag. */
export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (!tlv || tlv.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}`);
  return tlv;
}

/** A view (no copy) of the bytes from `start` to `end`. */
function view(buf: Uint8Array, start: number, end: number): Buffer {
  return Buffer.isBuffer(buf)
    ? buf.subarray(start, end)
    : Buffer.from(buf.buffer, buf.byteOffset + start, end - start);
}

export function content(buf: Uint8Array, tlv: Tlv): Buffer {
  return view(buf, tlv.contentStart, tlv.end);
}

export function whole(buf: Uint8Array, tlv: Tlv): Buffer {
  return view(buf, tlv.start, tlv.end);
}

/** OIDs repeat across certificates: remember the dotted form of the ones seen (bounded). */
const oidCache = new Map<string, string>();

/** Dotted form of an OBJECT IDENTIFIER's content. */
export function decodeOid(bytes: Uint8Array): string {
  const key = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const known = oidCache.get(key);
  if (known !== undefined) return known;
  const dotted = decodeOidUncached(bytes);
  if (oidCache.size < 1024) oidCache.set(key, dotted);
  return dotted;
}

function decodeOidUncached(bytes: Uint8Array): string {
  if (bytes.length === 0) throw new DerError('empty OID');
  const parts: number[] = [];
  let value = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (byte === 0x80 && (i === 0 || !((bytes[i - 1] as number) & 0x80)))
      throw new DerError('OID arc not minimally encoded');
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OID arc too large');
    if (!(byte & 0x80)) {
      if (parts.length === 0)
        parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else parts.push(value);
      value = 0;
    } else if (i === bytes.length - 1) {
      throw new DerError('truncated OID');
    }
  }
  return parts.join('.');
}

/** An INTEGER's content as lower-case hex without leading zero bytes (how serials are compared). */
export function integerHex(bytes: Uint8Array): string {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return Buffer.from(bytes.buffer, bytes.byteOffset + i, bytes.length - i).toString('hex');
}

/** Checks a DER INTEGER's content (non-empty, minimal) and gives it as `integerHex` does. */
export function serialHex(buf: Buffer, tlv: Tlv | undefined, what: string): string {
  const bytes = content(buf, expectTag(tlv, TAG.INTEGER, what));
  checkInteger(bytes, what);
  return integerHex(bytes);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** `count` ASCII digits at `at` as a number, or -1 if any is not a digit. */
function digits(buf: Uint8Array, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const d = (buf[i] as number) - 0x30;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * The instant (epoch ms) of the UTCTime (YYMMDDHHMMSSZ, 1950–2049) or GeneralizedTime (YYYYMMDDHHMMSSZ)
 * content from `start` to `end`; the DER forms only (seconds present, no fraction, `Z`).
 */
export function timeAt(buf: Uint8Array, tag: number, start: number, end: number): number {
  const yearDigits = tag === TAG.UTC_TIME ? 2 : tag === TAG.GENERALIZED_TIME ? 4 : 0;
  if (yearDigits === 0 || end - start !== yearDigits + 11 || buf[end - 1] !== 0x5a)
    throw new DerError('time not in DER UTCTime/GeneralizedTime form');
  let year = digits(buf, start, yearDigits);
  const at = start + yearDigits;
  const month = digits(buf, at, 2);
  const day = digits(buf, at + 2, 2);
  const hour = digits(buf, at + 4, 2);
  const minute = digits(buf, at + 6, 2);
  const second = digits(buf, at + 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59)
    throw new DerError('invalid date');
  if (second < 0 || second > 59) throw new DerError('invalid date');
  if (yearDigits === 2) year += year < 50 ? 2000 : 1900;
  const leap = month === 2 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0);
  if (day > (DAYS_IN_MONTH[month - 1] as number) + (leap ? 1 : 0)) throw new DerError('invalid date');
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** UTCTime or GeneralizedTime to a Date. */
export function decodeTime(tlv: Tlv | undefined, bytes: Uint8Array): Date {
  if (!tlv) throw new DerError('time missing');
  return new Date(timeAt(bytes, tlv.tag, 0, bytes.length));
}

/** A TLV's content as a time, after checking the tag is a time. */
export function readTime(buf: Uint8Array, tlv: Tlv | undefined, what: string): Date {
  if (!tlv || (tlv.tag !== TAG.UTC_TIME && tlv.tag !== TAG.GENERALIZED_TIME))
    throw new DerError(`${what}: expected a time`);
  return decodeTime(tlv, content(buf, tlv));
}

/** A DER BOOLEAN's value (only 00 and FF are DER). */
export function readBoolean(
  buf: Uint8Array,
  tlv: Tlv | undefined,
  what: string,
  tag: number = TAG.BOOLEAN,
): boolean {
  const bytes = content(buf, expectTag(tlv, tag, what));
  if (bytes.length !== 1 || (bytes[0] !== 0 && bytes[0] !== 0xff))
    throw new DerError(`${what}: not a DER BOOLEAN`);
  return bytes[0] === 0xff;
}

/** A small non-negative INTEGER or ENUMERATED (versions, reason codes). */
export function readSmallInteger(
  buf: Uint8Array,
  tlv: Tlv | undefined,
  what: string,
  tag: number = TAG.INTEGER,
): number {
  const bytes = content(buf, expectTag(tlv, tag, what));
  checkInteger(bytes, what);
  if (bytes.length > 4 || ((bytes[0] as number) & 0x80) !== 0) throw new DerError(`${what}: out of range`);
  let value = 0;
  for (const byte of bytes) value = value * 256 + byte;
  return value;
}

/** An OBJECT IDENTIFIER's dotted form, after checking the tag. */
export function readOid(buf: Uint8Array, tlv: Tlv | undefined, what: string): string {
  return decodeOid(content(buf, expectTag(tlv, TAG.OID, what)));
}

/** The TLVs inside a constructed TLV of the given tag, after checking the tag. */
export function childrenOf(buf: Uint8Array, tlv: Tlv | undefined, tag: number, what: string): Tlv[] {
  return children(buf, expectTag(tlv, tag, what));
}

/** The one TLV that makes up all of `buf` (refusing trailing bytes). */
export function readWhole(buf: Uint8Array, tag: number, what: string): Tlv {
  const tlv = expectTag(readTlv(buf, 0), tag, what);
  if (tlv.end !== buf.length) throw new DerError(`trailing bytes after the ${what}`);
  return tlv;
}

/** DER INTEGERs are non-empty and minimal (no redundant leading 00 or FF byte). */
function checkInteger(bytes: Uint8Array, what: string): void {
  if (bytes.length === 0) throw new DerError(`${what}: empty INTEGER`);
  if (
    bytes.length > 1 &&
    ((bytes[0] === 0 && ((bytes[1] as number) & 0x80) === 0) ||
      (bytes[0] === 0xff && ((bytes[1] as number) & 0x80) !== 0))
  )
    throw new DerError(`${what}: INTEGER not minimally encoded`);
}

/** How deep `checkDer` follows nested structures; real certificates and CRLs use fewer than 12 levels. */
export const MAX_DEPTH = 32;

/** PrintableString's alphabet (X.680 §41.4), as a byte table. */
const PRINTABLE = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?")
  PRINTABLE[c.charCodeAt(0)] = 1;

/**
 * Checks that `root` and everything inside it is DER: constructed encodings only for SEQUENCE, SET and
 * context/application tags, the universal primitive types with valid contents, no end-of-contents
 * markers, and at most `MAX_DEPTH` levels. The contents of OCTET and BIT STRINGs are not entered (an
 * extension's value is checked by whoever reads it). One pass over the bytes, no recursion and no
 * allocation per element, so it is cheap on every certificate and cannot exhaust the stack.
 */
export function checkDer(buf: Uint8Array, root: Tlv): void {
  const ends: number[] = [root.end];
  let offset = root.start;
  while (ends.length > 0) {
    const limit = ends[ends.length - 1] as number;
    if (offset === limit) {
      ends.pop();
      continue;
    }
    const { tag, contentStart, end } = readTlv(buf, offset, limit);
    if (tag === 0) throw new DerError('end-of-contents is not DER');
    if (tag & 0x20) {
      if ((tag & 0xc0) === 0 && tag !== TAG.SEQUENCE && tag !== TAG.SET)
        throw new DerError(`constructed encoding of universal tag ${tag & 0x1f} is not DER`);
      if (ends.length > MAX_DEPTH) throw new DerError('nesting too deep');
      ends.push(end);
      offset = contentStart;
      continue;
    }
    if ((tag & 0xc0) === 0) checkPrimitive(buf, tag, contentStart, end);
    offset = end;
  }
}

function checkPrimitive(buf: Uint8Array, tag: number, start: number, end: number): void {
  const length = end - start;
  switch (tag) {
    case TAG.BOOLEAN:
      if (length !== 1 || (buf[start] !== 0 && buf[start] !== 0xff)) throw new DerError('not a DER BOOLEAN');
      return;
    case TAG.INTEGER:
    case 0x0a: // ENUMERATED
      checkInteger(buf.subarray(start, end), 'INTEGER');
      return;
    case TAG.BIT_STRING: {
      const unused = buf[start];
      if (unused === undefined || length === 0 || unused > 7 || (length === 1 && unused !== 0))
        throw new DerError('malformed BIT STRING');
      if (((buf[end - 1] as number) & ((1 << unused) - 1)) !== 0)
        throw new DerError('BIT STRING with non-zero unused bits');
      return;
    }
    case TAG.OCTET_STRING:
      return;
    case TAG.NULL:
      if (length !== 0) throw new DerError('NULL with content');
      return;
    case TAG.OID:
      if (length === 0 || (buf[end - 1] as number) & 0x80) throw new DerError('truncated OID');
      for (let i = start; i < end; i++)
        if (buf[i] === 0x80 && (i === start || !((buf[i - 1] as number) & 0x80)))
          throw new DerError('OID arc not minimally encoded');
      return;
    case TAG.UTC_TIME:
    case TAG.GENERALIZED_TIME:
      timeAt(buf, tag, start, end);
      return;
    case TAG.UTF8_STRING:
      if (!isUtf8(buf.subarray(start, end))) throw new DerError('UTF8String is not valid UTF-8');
      return;
    case TAG.PRINTABLE_STRING:
      for (let i = start; i < end; i++)
        if (!PRINTABLE[buf[i] as number]) throw new DerError('PrintableString with other characters');
      return;
    case TAG.IA5_STRING:
    case 0x12: // NumericString
    case 0x1a: // VisibleString
      for (let i = start; i < end; i++)
        if ((buf[i] as number) > 0x7f) throw new DerError('7-bit string with 8-bit characters');
      return;
    case 0x14: // TeletexString
    case 0x15: // VideotexString
    case 0x19: // GraphicString
    case 0x1b: // GeneralString
      return;
    case 0x1e: // BMPString
      if (length % 2 !== 0) throw new DerError('BMPString of odd length');
      return;
    case 0x1c: // UniversalString: UCS-4, only Unicode scalar values
      if (length % 4 !== 0) throw new DerError('UniversalString not a multiple of 4 bytes');
      for (let i = start; i < end; i += 4) {
        const c = Buffer.from(buf.buffer, buf.byteOffset + i, 4).readUInt32BE(0);
        if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
          throw new DerError('UniversalString with a value that is no character');
      }
      return;
    default:
      throw new DerError(`universal tag ${tag} is not used here`);
  }
}
