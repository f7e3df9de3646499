/**
 * A minimal DER reader: enough to walk a certificate or a CRL without building an object tree. It checks
 * every length against the buffer it is in and throws `DerError` on anything malformed, so callers can
 * trust offsets. Long-form lengths of up to four bytes are accepted; indefinite lengths (BER) are not.
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
  return Buffer.from(bytes.subarray(i)).toString('hex');
}

/** UTCTime (YYMMDDHHMMSSZ, 1950–2049) or GeneralizedTime (YYYYMMDDHHMMSSZ) to a Date. */
export function decodeTime(tlv: Tlv, bytes: Uint8Array): Date {
  const text = Buffer.from(bytes).toString('ascii');
  const match =
    tlv.tag === TAG.UTC_TIME
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : tlv.tag === TAG.GENERALIZED_TIME
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
        : null;
  if (!match) throw new DerError('time not in DER UTCTime/GeneralizedTime form');
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  const year =
    tlv.tag === TAG.UTC_TIME
      ? (y as number) < 50
        ? 2000 + (y as number)
        : 1900 + (y as number)
      : (y as number);
  const date = new Date(Date.UTC(year, (mo as number) - 1, d, h, mi, s));
  if (Number.isNaN(date.getTime()) || date.getUTCMonth() !== (mo as number) - 1)
    throw new DerError('invalid date');
  return date;
}
