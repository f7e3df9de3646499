import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { type ParsedCrl, parseCrl } from '../../functions/jpki/crl.ts';
import type { TestPki } from '../../test/harness/cards.ts';
import { rsaKeyPair } from '../../test/harness/pki/keys.ts';
import { writeLinkage } from '../../test/harness/pki/linkage.ts';
import { type CrlOptions, type RevokedEntry, TestCa } from '../../test/harness/pki/test-pki.ts';

/**
 * The local test PKI (design.md §4.3): a JPKI-shaped signature CA and authentication CA, made on first
 * start under `<state>/pki/` and kept there, and the signature CA's CRLs in the shape J-LIS publishes
 * them (jpki.md §3.6): one partition CRL per municipality, each with an IssuingDistributionPoint naming
 * the distribution point that the municipality's cards carry, in the folder `<state>/pki/crl/`, which
 * the local runtime configures as one CRL source. The harness issues cards for the localities in
 * `LOCAL_PARTITIONS`; a card of another municipality has no CRL, and registration answers 503
 * `revocation_unavailable` for it until `publishCrl` writes one.
 */
export interface LocalPki extends TestPki {
  dir: string;
  signCaFile: string;
  /** The folder of partition CRLs (a CRL source ending in `/`). */
  crlDir: string;
  /**
   * Writes the partition CRL of a municipality again, listing `revoked` (each with its reason code),
   * with the next cRLNumber and a current thisUpdate, as J-LIS's next issue would.
   */
  publishCrl(
    locality: readonly [prefecture: string, municipality: string],
    revoked?: RevokedEntry[],
    options?: Omit<CrlOptions, 'revoked' | 'scope'>,
  ): Promise<string>;
  /** The certificate linkage (design.md §3.8), empty until a test or the demo links a successor card. */
  linkageFile: string;
}

/** The municipalities whose partition CRLs exist from the first start (the harness's default localities). */
export const LOCAL_PARTITIONS: readonly (readonly [string, string])[] = [
  ['Tokyo', 'Shinagawa-ku'],
  ['Tokyo', 'Chiyoda-ku'],
];

const HOUR = 3_600_000;
/** Re-issued when older than this, so that a CRL is always well inside the stage's 48-hour maximum age. */
const REISSUE_AFTER_MS = 12 * HOUR;
const VALIDITY_MS = 7 * 24 * HOUR;

export async function ensureLocalPki(stateDir: string): Promise<LocalPki> {
  const dir = path.join(stateDir, 'pki');
  let signCa = TestCa.load(dir, 'sign-ca');
  let authCa = TestCa.load(dir, 'auth-ca');
  if (!signCa || !authCa) {
    // Fresh keys: these CAs outlive the process (never one of the harness's pooled test keys).
    const [signKey, authKey] = await Promise.all([
      rsaKeyPair(2048, { fresh: true }),
      rsaKeyPair(2048, { fresh: true }),
    ]);
    [signCa, authCa] = await Promise.all([
      TestCa.create({ kind: 'signature', key: signKey }),
      TestCa.create({ kind: 'authentication', key: authKey }),
    ]);
    signCa.save(dir, 'sign-ca');
    authCa.save(dir, 'auth-ca');
  }
  const ca = signCa;
  const crlDir = path.join(dir, 'crl');
  mkdirSync(crlDir, { recursive: true });
  const fileOf = (locality: readonly [string, string]) =>
    path.join(crlDir, `${locality.join('-').toLowerCase()}.crl`);
  const publishCrl: LocalPki['publishCrl'] = async (locality, revoked = [], options = {}) => {
    const file = fileOf(locality);
    const previous = readCrl(file);
    const number = Number.parseInt(previous?.crlNumber ?? '0', 16) + 1;
    writeFileSync(
      file,
      await ca.crl({
        nextUpdate: new Date(Date.now() + VALIDITY_MS),
        number,
        ...options,
        revoked,
        scope: { distributionPoint: ca.partition(locality) },
      }),
    );
    return file;
  };
  for (const locality of LOCAL_PARTITIONS) if (!readCrl(fileOf(locality))) await publishCrl(locality);
  await reissueLocalCrls(crlDir, ca);
  const linkageFile = path.join(dir, 'certificate-links.json');
  if (!existsSync(linkageFile)) writeLinkage(linkageFile, []);
  return {
    dir,
    signCa,
    authCa,
    signCaFile: path.join(dir, 'sign-ca.pem'),
    crlDir: `${crlDir}/`,
    publishCrl,
    linkageFile,
  };
}

/**
 * Issues every partition CRL in the folder again, with the same entries, when it is close to its
 * nextUpdate or older than 12 hours: what J-LIS's daily issue does. The local runtime calls it hourly.
 */
export async function reissueLocalCrls(crlDir: string, ca: TestCa): Promise<number> {
  let count = 0;
  for (const name of readdirSync(crlDir).filter((n) => n.endsWith('.crl'))) {
    const file = path.join(crlDir, name);
    const crl = readCrl(file);
    const now = Date.now();
    if (crl && crl.thisUpdate.getTime() > now - REISSUE_AFTER_MS && crl.nextUpdate.getTime() > now + HOUR)
      continue;
    const distributionPoint = crl?.issuingDistributionPoint?.names[0];
    if (!crl || !distributionPoint) continue; // not one of ours
    const revoked = [...crl.revoked].map(([serial, entry]) => ({
      serial,
      reason: entry.reason ?? null,
      date: new Date(entry.revocationDate),
      invalidityDate: entry.invalidityDate === undefined ? undefined : new Date(entry.invalidityDate),
    }));
    writeFileSync(
      file,
      await ca.crl({
        revoked,
        nextUpdate: new Date(now + VALIDITY_MS),
        number: Number.parseInt(crl.crlNumber ?? '0', 16) + 1,
        scope: { distributionPointKey: distributionPoint },
      }),
    );
    count += 1;
  }
  return count;
}

export class LocalPkiError extends Error {
  override name = 'LocalPkiError';
}

/** The CRL in the file; undefined when there is none. One that cannot be read stops the start. */
function readCrl(file: string): ParsedCrl | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return parseCrl(readFileSync(file));
  } catch (error) {
    throw new LocalPkiError(
      `The local CRL ${file} cannot be read (${String(error)}). It is not replaced by an empty one, which would un-revoke its cards: restore it, or delete it to start without revocations (npm run reset starts the whole state over).`,
    );
  }
}
