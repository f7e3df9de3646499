import { EXTENSION, type ParsedCertificate } from './certificate.ts';
import {
  children,
  childrenOf,
  content,
  DerError,
  decodeOid,
  readTlv,
  readWhole,
  TAG,
  type Tlv,
  whole,
} from './der.ts';

/**
 * CRL distribution points (RFC 5280 §4.2.1.13, §5.2.5) reduced to comparable keys. J-LIS names each
 * municipality's partition CRL by a directoryName (jpki.md §3.6); a CRL covers a certificate when its
 * IssuingDistributionPoint names one of the names in the certificate's cRLDistributionPoints. Names are
 * compared as DER: the key of a GeneralName is the lower-case hex of its encoding, and a name relative to
 * the CRL issuer is first made a full directoryName, so both forms of one name meet.
 */

/** The scope key of a CRL without an IssuingDistributionPoint: it covers every certificate of its issuer. */
export const WHOLE_ISSUER = '*';

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function encodeTlv(tag: number, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

/** The key of the directoryName GeneralName of a Name (its DER). */
export function directoryNameKey(name: Buffer): string {
  return encodeTlv(0xa4, name).toString('hex');
}

/**
 * The keys of a DistributionPointName (`[0] { [0] fullName | [1] nameRelativeToCRLIssuer }`), given the
 * DER of the CRL issuer's Name for the relative form.
 */
export function distributionPointNameKeys(buf: Buffer, tlv: Tlv, crlIssuer: Buffer): string[] {
  const [choice, extra] = children(buf, tlv);
  if (!choice || extra) throw new DerError('DistributionPointName: one choice expected');
  if (choice.tag === 0xa0) {
    const names = children(buf, choice);
    if (names.length === 0) throw new DerError('DistributionPointName: empty fullName');
    return names.map((name) => whole(buf, name).toString('hex'));
  }
  if (choice.tag === 0xa1) {
    const attributes = children(buf, choice);
    if (attributes.length === 0) throw new DerError('DistributionPointName: empty relative name');
    for (const attribute of attributes) childrenOf(buf, attribute, TAG.SEQUENCE, 'relative name attribute');
    const issuer = readTlv(crlIssuer, 0);
    const rdn = encodeTlv(TAG.SET, content(buf, choice));
    return [directoryNameKey(encodeTlv(TAG.SEQUENCE, Buffer.concat([content(crlIssuer, issuer), rdn])))];
  }
  throw new DerError('DistributionPointName: unknown choice');
}

/**
 * The keys under which a CRL covering this certificate is found: the names of its distribution points
 * (those without a separate cRLIssuer: indirect CRLs are not used), or, without the extension, its
 * issuer's name (RFC 5280 §6.3.3 b.2.i); and always `WHOLE_ISSUER`.
 */
export function certificateScopeKeys(certificate: ParsedCertificate): string[] {
  const ext = certificate.extensions.get(EXTENSION.crlDistributionPoints);
  if (!ext) return [directoryNameKey(certificate.issuer), WHOLE_ISSUER];
  const keys: string[] = [];
  const buf = ext.value;
  for (const point of children(buf, readWhole(buf, TAG.SEQUENCE, 'cRLDistributionPoints'))) {
    const parts = childrenOf(buf, point, TAG.SEQUENCE, 'DistributionPoint');
    const name = parts.find((part) => part.tag === 0xa0);
    if (!name || parts.some((part) => part.tag === 0xa2)) continue;
    keys.push(...distributionPointNameKeys(buf, name, certificate.issuer));
  }
  return [...keys, WHOLE_ISSUER];
}

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.6': 'C',
  '2.5.4.8': 'ST',
  '2.5.4.7': 'L',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.3': 'CN',
};

/** A Name as text, in order (`C=JP, O=JPKI, …, CN=Chiyoda-ku`), for logs and configuration. */
export function nameText(name: Buffer): string {
  const parts: string[] = [];
  for (const rdn of children(name, readTlv(name, 0))) {
    for (const attribute of children(name, rdn)) {
      const [type, value] = children(name, attribute);
      if (!type || !value) continue;
      const oid = decodeOid(content(name, type));
      parts.push(`${SHORT_NAMES[oid] ?? oid}=${content(name, value).toString('utf8')}`);
    }
  }
  return parts.join(', ');
}

/** A scope key as text: the directory name, or a URI, or the hex of another kind of name. */
export function scopeLabel(key: string): string {
  if (key === WHOLE_ISSUER) return 'every certificate of the issuer';
  try {
    const buf = Buffer.from(key, 'hex');
    const name = readTlv(buf, 0);
    if (name.tag === 0xa4) return nameText(content(buf, name));
    if (name.tag === 0x86) return content(buf, name).toString('latin1');
  } catch {
    // fall through to hex
  }
  return key;
}
