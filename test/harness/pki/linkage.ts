import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { type TestCa, x509 } from './test-pki.ts';

/**
 * The certificate linkage as a platform operator delivers it (design.md §3.8, J-LIS 証明書新旧紐付け情報):
 * `{"schema": "xid/certificate-links/v1", "links": [{"issuer", "oldSerial", "newSerial"}]}`. The issuer's
 * RFC 4514 text is written here from @peculiar/x509's reading of the CA name, not with the server's own
 * formatter, so that the two are checked against each other.
 */
export interface CertificateLink {
  issuer: string;
  oldSerial: string;
  newSerial: string;
}

/** RFC 4514 text of a test CA's name: its RDNs last to first (the test names need no escaping). */
export function issuerText(ca: TestCa): string {
  const rdns = new x509.X509Certificate(new Uint8Array(ca.der)).subjectName.toJSON();
  return rdns
    .reverse()
    .map((rdn) =>
      Object.entries(rdn)
        .flatMap(([type, values]) => values.map((value) => `${type}=${value}`))
        .join('+'),
    )
    .join(',');
}

/** The link from `oldSerial` to `newSerial`, both issued by `ca`. */
export const linkOf = (ca: TestCa, oldSerial: string, newSerial: string): CertificateLink => ({
  issuer: issuerText(ca),
  oldSerial,
  newSerial,
});

/** Writes the whole linkage file, atomically (a reader never sees half of it). */
export function writeLinkage(file: string, links: CertificateLink[]): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ schema: 'xid/certificate-links/v1', links }, null, 2)}\n`);
  renameSync(temporary, file);
}

/** Adds links to the file (made if missing), as a platform operator's next delivery would. */
export function addLinks(file: string, links: CertificateLink[]): void {
  const known = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as { links: CertificateLink[] }).links
    : [];
  writeLinkage(file, [...known, ...links]);
}
