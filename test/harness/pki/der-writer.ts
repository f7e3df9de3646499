/**
 * A few DER encoders, enough to write a CRL of any size quickly (the x509 library's generator takes
 * minutes for 100,000 entries). Independent parsers (OpenSSL, @peculiar/x509) read back what this writes
 * in the test-PKI tests.
 */
export function tlv(tag: number, ...contents: Uint8Array[]): Buffer {
  const body = Buffer.concat(contents);
  const n = body.length;
  const length =
    n < 0x80
      ? Buffer.from([n])
      : n < 0x100
        ? Buffer.from([0x81, n])
        : n < 0x10000
          ? Buffer.from([0x82, n >> 8, n & 0xff])
          : Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

export const sequence = (...contents: Uint8Array[]) => tlv(0x30, ...contents);

/** A positive INTEGER from hex (a leading zero byte is added when the top bit is set). */
export function integerFromHex(hex: string): Buffer {
  let bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0 && ((bytes[i + 1] ?? 0) & 0x80) === 0) i++;
  bytes = bytes.subarray(i);
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

/** UTCTime for 1950–2049, GeneralizedTime otherwise (RFC 5280 §4.1.2.5). */
export function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`))
    : tlv(0x18, Buffer.from(`${iso}Z`));
}

export const bitString = (bytes: Uint8Array) => tlv(0x03, Buffer.from([0]), bytes);
export const octetString = (bytes: Uint8Array) => tlv(0x04, bytes);
export const enumerated = (value: number) => tlv(0x0a, Buffer.from([value]));
export const explicit = (n: number, ...contents: Uint8Array[]) => tlv(0xa0 | n, ...contents);

/** AlgorithmIdentifiers of sha256WithRSAEncryption and sha1WithRSAEncryption, with NULL parameters. */
export const RSA_ALGORITHMS = {
  'SHA-256': Buffer.from('300d06092a864886f70d01010b0500', 'hex'),
  'SHA-1': Buffer.from('300d06092a864886f70d0101050500', 'hex'),
} as const;

/** Extension OIDs used in CRLs, DER-encoded. */
export const OID = {
  reasonCode: Buffer.from('0603551d15', 'hex'),
  authorityKeyIdentifier: Buffer.from('0603551d23', 'hex'),
  crlNumber: Buffer.from('0603551d14', 'hex'),
  invalidityDate: Buffer.from('0603551d18', 'hex'),
  deltaCrlIndicator: Buffer.from('0603551d1b', 'hex'),
  issuingDistributionPoint: Buffer.from('0603551d1c', 'hex'),
} as const;

/** An OBJECT IDENTIFIER from its dotted form. */
export function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const groups: number[] = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128))
      groups.unshift((value & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** An Extension: SEQUENCE { extnID, critical (only when TRUE), extnValue }. */
export function extension(id: Buffer, critical: boolean, value: Uint8Array): Buffer {
  return sequence(id, ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), octetString(value));
}

/** GeneralizedTime, whatever the year (invalidityDate is always GeneralizedTime). */
export function generalizedTime(date: Date): Buffer {
  return tlv(0x18, Buffer.from(`${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`));
}
