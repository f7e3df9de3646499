import { children, content, DerError, decodeOid, expectTag, readTlv, TAG, type Tlv } from './der.ts';

/**
 * Distinguished names as text (RFC 4514), for the certificate linkage (design.md §3.8), whose links name
 * their issuer that way. `formatName` writes a DER Name as RFC 4514 text; `nameKey` reads such text (or a
 * DER Name) into one comparable form, so that two spellings of the same name — `CN` or `cn` or `2.5.4.3`,
 * a value escaped or given as `#<DER hex>`, spaces after separators as OpenSSL prints them — compare
 * equal. Values are compared exactly (no case folding): the J-LIS names are fixed strings.
 */
export class DistinguishedNameError extends Error {
  override name = 'DistinguishedNameError';
}

/** RFC 4514 §3's short names, and the two more that RFC 4519 names and certificates use. */
const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.9': 'STREET',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};
const OID_OF_SHORT_NAME = new Map(Object.entries(SHORT_NAMES).map(([oid, short]) => [short, oid]));

const TELETEX_STRING = 0x14;
const UNIVERSAL_STRING = 0x1c;
const BMP_STRING = 0x1e;

/** The text of a DER string value, or undefined when the value is not a string type. */
function stringValue(der: Uint8Array, tlv: Tlv): string | undefined {
  const bytes = content(der, tlv);
  switch (tlv.tag) {
    case TAG.UTF8_STRING:
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
    case TELETEX_STRING:
      return bytes.toString('latin1');
    case BMP_STRING:
      if (bytes.length % 2) throw new DerError('odd BMPString');
      return new TextDecoder('utf-16be', { fatal: true }).decode(bytes);
    case UNIVERSAL_STRING: {
      if (bytes.length % 4) throw new DerError('UniversalString not in 4-byte units');
      let text = '';
      for (let i = 0; i < bytes.length; i += 4) text += String.fromCodePoint(bytes.readUInt32BE(i));
      return text;
    }
    default:
      return undefined;
  }
}

/** One attribute: its type as a dotted OID, and its value as text or, for a non-string value, its DER. */
interface Attribute {
  oid: string;
  text?: string;
  der?: string;
}

/** An attribute value from its DER: the text of a string type, else the DER itself (hex). */
function attributeValue(oid: string, der: Uint8Array, tlv: Tlv): Attribute {
  const text = stringValue(der, tlv);
  return text === undefined
    ? { oid, der: Buffer.from(der.subarray(tlv.start, tlv.end)).toString('hex') }
    : { oid, text };
}

/** The RDNs of a DER Name, in the Name's own order (most significant first). */
function attributesOf(der: Uint8Array): Attribute[][] {
  const name = expectTag(readTlv(der, 0), TAG.SEQUENCE, 'Name');
  if (name.end !== der.length) throw new DerError('trailing bytes after the Name');
  return children(der, name).map((rdn) =>
    children(der, expectTag(rdn, TAG.SET, 'RelativeDistinguishedName')).map((atv) => {
      const [type, value, extra] = children(der, expectTag(atv, TAG.SEQUENCE, 'AttributeTypeAndValue'));
      if (!value || extra) throw new DerError('AttributeTypeAndValue needs a type and a value');
      return attributeValue(decodeOid(content(der, expectTag(type, TAG.OID, 'attribute type'))), der, value);
    }),
  );
}

/** RFC 4514 §2.4: a string value with the characters escaped that must be where they stand. */
function escapeValue(value: string): string {
  const chars = [...value];
  return chars
    .map((c, i) => {
      if (c === '\0') return '\\00';
      if ('"+,;<>\\'.includes(c)) return `\\${c}`;
      if ((c === ' ' && (i === 0 || i === chars.length - 1)) || (c === '#' && i === 0)) return `\\${c}`;
      return c;
    })
    .join('');
}

/** RFC 4514 text of a DER Name: the RDNs last to first, short names where RFC 4514 has them. */
export function formatName(der: Uint8Array): string {
  return attributesOf(der)
    .reverse()
    .map((rdn) =>
      rdn
        .map(({ oid, text, der: hex }) => {
          const value = text === undefined ? `#${hex}` : escapeValue(text);
          return `${SHORT_NAMES[oid] ?? oid}=${value}`;
        })
        .join('+'),
    )
    .join(',');
}

/** The value after `=`: `#<hex>` is a DER value, anything else a string with RFC 4514 escapes. */
function parseValue(oid: string, raw: string): Attribute {
  const hex = /^#((?:[0-9A-Fa-f]{2})+)$/.exec(raw);
  if (hex) {
    const der = Buffer.from(hex[1] as string, 'hex');
    try {
      const tlv = readTlv(der, 0);
      if (tlv.end !== der.length) throw new DerError('trailing bytes');
      return attributeValue(oid, der, tlv);
    } catch {
      throw new DistinguishedNameError('a #hex value is not one DER value');
    }
  }
  if (raw.startsWith('#')) throw new DistinguishedNameError('a value that starts with # must be hex');
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; ) {
    const c = String.fromCodePoint(raw.codePointAt(i) as number);
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      i += c.length;
      continue;
    }
    const pair = raw.slice(i + 1, i + 3);
    const next = raw[i + 1];
    if (/^[0-9A-Fa-f]{2}$/.test(pair)) {
      bytes.push(Number.parseInt(pair, 16));
      i += 3;
    } else if (next !== undefined && ' "#+,;<=>\\'.includes(next)) {
      bytes.push(next.charCodeAt(0));
      i += 2;
    } else {
      throw new DistinguishedNameError('a backslash must escape a special character or two hex digits');
    }
  }
  try {
    return { oid, text: new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes)) };
  } catch {
    throw new DistinguishedNameError('escaped bytes are not UTF-8');
  }
}

/** Splits at each unescaped `separator` (a backslash escapes the next character or starts a hex pair). */
function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\') {
      current += text.slice(i, i + 2);
      i += 1;
    } else if (c === separator) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/** Unescaped spaces around a component (RFC 2253 and OpenSSL print `C=JP, O=…`); escaped ones stay. */
const trimUnescaped = (text: string) => text.replace(/^ +/, '').replace(/(?<!\\) +$/, '');

/** RDNs from RFC 4514 text, most significant first (the text lists them last to first). */
function parseText(text: string): Attribute[][] {
  if (text.trim() === '') throw new DistinguishedNameError('empty name');
  return splitUnescaped(text, ',')
    .map((rdn) =>
      splitUnescaped(rdn, '+').map((atv): Attribute => {
        const at = atv.indexOf('=');
        if (at < 0) throw new DistinguishedNameError('an attribute needs type=value');
        const type = trimUnescaped(atv.slice(0, at));
        const oid = /^\d+(\.\d+)+$/.test(type) ? type : OID_OF_SHORT_NAME.get(type.toUpperCase());
        if (!oid) throw new DistinguishedNameError(`unknown attribute type ${JSON.stringify(type)}`);
        return parseValue(oid, trimUnescaped(atv.slice(at + 1)));
      }),
    )
    .reverse();
}

const keyOf = (rdns: Attribute[][]) =>
  JSON.stringify(
    rdns.map((rdn) =>
      rdn.map(({ oid, text, der }) => (text === undefined ? `${oid}#${der}` : `${oid}=${text}`)).sort(),
    ),
  );

/**
 * One comparable form of a distinguished name, from RFC 4514 text or a DER Name: equal keys, same name.
 * Throws `DistinguishedNameError` (text) or `DerError` (DER) for something that is not a name.
 */
export function nameKey(name: string | Uint8Array): string {
  return keyOf(typeof name === 'string' ? parseText(name) : attributesOf(name));
}
