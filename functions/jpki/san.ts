import { children, content, DerError, decodeOid, expectTag, readTlv, TAG } from './der.ts';

/**
 * The otherName entries of a subjectAltName extension value (the extension's OCTET STRING content), as
 * OID → string. JPKI puts each of the four basic items and the two flag strings in an otherName whose value
 * is `[0] EXPLICIT UTF8String` (jpki.md §3.5). Entries of other GeneralName kinds, and otherNames this
 * code does not know, are skipped rather than refused: newer profiles add items (§8.3).
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function subjectAltNameOtherNames(extensionValue: Uint8Array): Map<string, string> {
  const names = readTlv(extensionValue, 0);
  expectTag(names, TAG.SEQUENCE, 'GeneralNames');
  if (names.end !== extensionValue.length) throw new DerError('trailing bytes after GeneralNames');
  const found = new Map<string, string>();
  for (const name of children(extensionValue, names)) {
    if (name.tag !== 0xa0) continue; // [0] otherName, constructed
    const [typeId, explicit] = children(extensionValue, name);
    const oid = decodeOid(content(extensionValue, expectTag(typeId, TAG.OID, 'otherName type-id')));
    const [value] = children(extensionValue, expectTag(explicit, 0xa0, 'otherName value'));
    if (!value) throw new DerError('otherName without a value');
    // UTF8String per the profile; OCTET STRING tolerated as some parsers do (both hold UTF-8 bytes).
    if (value.tag !== TAG.UTF8_STRING && value.tag !== TAG.OCTET_STRING) continue;
    if (found.has(oid)) throw new DerError(`otherName ${oid} appears twice`);
    try {
      found.set(oid, utf8.decode(content(extensionValue, value)));
    } catch {
      throw new DerError(`otherName ${oid} is not valid UTF-8`);
    }
  }
  return found;
}
