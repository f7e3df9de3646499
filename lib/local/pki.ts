import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseCrl } from '../../functions/jpki/crl.ts';
import type { TestPki } from '../../test/harness/cards.ts';
import { rsaKeyPair } from '../../test/harness/pki/keys.ts';
import { TestCa } from '../../test/harness/pki/test-pki.ts';

/**
 * The local test PKI (design.md §4.3): a JPKI-shaped signature CA and authentication CA, made on first
 * start under `<state>/pki/` and kept there, and the signature CA's CRL, made again whenever it is missing
 * or close to its nextUpdate. The local stage trusts this CA as a test anchor; cards for the demo and the
 * end-to-end tests are issued from it.
 */
export interface LocalPki extends TestPki {
  dir: string;
  signCaFile: string;
  crlFile: string;
}

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
  const crlFile = path.join(dir, 'sign-ca.crl');
  if (!crlIsFresh(crlFile))
    writeFileSync(crlFile, await signCa.crl({ nextUpdate: new Date(Date.now() + 7 * 86_400_000) }));
  return { dir, signCa, authCa, signCaFile: path.join(dir, 'sign-ca.pem'), crlFile };
}

/** Present and valid for at least another hour. */
function crlIsFresh(file: string): boolean {
  if (!existsSync(file)) return false;
  try {
    const next = parseCrl(readFileSync(file)).nextUpdate;
    return next !== undefined && next.getTime() > Date.now() + 3_600_000;
  } catch {
    return false;
  }
}
