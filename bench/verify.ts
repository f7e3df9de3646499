/**
 * `npm run bench:verify`: how many registrations the JPKI verifier checks per second on one core, beside
 * how many raw RSA-2048 verifications node:crypto does. A registration needs two RSA verifications (the
 * certificate's chain signature and the card's statement signature), so half the raw rate is the floor's
 * ceiling; the ratio of the first to that is the figure to watch (target ≥ 0.4).
 *
 * Each registration here: parse the certificate, find its issuer among the anchors by signature, check
 * validity and profile, look its serial up in a CRL of 100,000 revoked serials, verify the statement
 * signature, and read the four items from the subjectAltName.
 */
import { sign, verify, X509Certificate } from 'node:crypto';
import { parseCrl, RevocationChecker } from '../functions/jpki/crl.ts';
import { loadTrustAnchors } from '../functions/jpki/trust.ts';
import { JpkiVerifier } from '../functions/jpki/verify.ts';
import { canonicalBytes } from '../functions/shared/jcs.ts';
import { createTestPki, issueCard } from '../test/harness/cards.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const REVOKED = 100_000;

const pki = await createTestPki();
const card = await issueCard(pki);
const der = card.signature?.der ?? Buffer.alloc(0);
const statement = canonicalBytes({
  type: 'xid/registration/v1',
  challengeId: 'bench',
  nonce: 'x'.repeat(43),
});
const signature = sign('sha256', statement, card.signature?.key.privateKey ?? '');

process.stdout.write(`building a CRL with ${REVOKED.toLocaleString()} revoked serials… `);
let started = performance.now();
const crlDer = await pki.signCa.crl({
  revoked: Array.from({ length: REVOKED }, (_, i) => ({ serial: (0x10000000 + i).toString(16) })),
  nextUpdate: new Date(Date.now() + 86_400_000),
});
console.log(
  `${(crlDer.length / 1e6).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
started = performance.now();
const parsed = parseCrl(crlDer);
console.log(
  `parsed the CRL (${parsed.revoked.size.toLocaleString()} entries) in ${(performance.now() - started).toFixed(0)} ms`,
);

const anchors = loadTrustAnchors([pki.signCa.der], { allowTest: true });
const revocation = new RevocationChecker(['bench.crl'], async () => crlDer, anchors);
const verifier = new JpkiVerifier({ anchors, revocation });
await verifier.verify(der, statement, signature); // warm: loads the CRL once

async function rate(label: string, run: () => unknown | Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i++) await run();
  let count = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) await run();
    count += 50;
  }
  const perSecond = count / ((performance.now() - start) / 1000);
  console.log(`${label.padEnd(48)} ${Math.round(perSecond).toLocaleString().padStart(8)} /s`);
  return perSecond;
}

const publicKey = new X509Certificate(der).publicKey;
const raw = await rate('raw RSA-2048 verifications (node:crypto)', () =>
  verify('sha256', statement, publicKey, signature),
);
const registrations = await rate('registrations verified (JpkiVerifier)', () =>
  verifier.verify(der, statement, signature),
);
const ratio = registrations / (raw / 2);
console.log(`ratio registrations / (raw / 2)                   ${ratio.toFixed(2)}   (target ≥ 0.40)`);
