/**
 * `npm run bench:verify`: how many registrations the JPKI verifier checks per second on one core, beside
 * how many raw RSA-2048 verifications node:crypto does. A registration needs two RSA verifications (the
 * certificate's chain signature and the card's statement signature), so half the raw rate is the floor's
 * ceiling; the ratio of the first to that is the figure to watch (target ≥ 0.4).
 *
 * Each registration here: parse the certificate, find its issuer among the anchors by signature, check
 * validity and profile, find the CRLs that cover its distribution point among 1,741 partition CRLs of 100
 * entries and one (the card's own municipality) of 100,000, look its serial up, verify the statement
 * signature, and read the four items from the subjectAltName.
 */
import { sign, verify, X509Certificate } from 'node:crypto';
import { parseCrl, RevocationChecker } from '../functions/jpki/crl.ts';
import { loadTrustAnchors } from '../functions/jpki/trust.ts';
import { JpkiVerifier } from '../functions/jpki/verify.ts';
import { canonicalBytes } from '../functions/shared/jcs.ts';
import { createTestPki, issueCard } from '../test/harness/cards.ts';
import { MemoryCrls } from '../test/harness/pki/memory-crls.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const REVOKED = 100_000;
const PARTITIONS = 1741;
const PARTITION_ENTRIES = 100;

const pki = await createTestPki();
const card = await issueCard(pki, { locality: ['Tokyo', 'Setagaya-ku'] });
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
  scope: { distributionPoint: pki.signCa.partition(['Tokyo', 'Setagaya-ku']) },
});
console.log(
  `${(crlDer.length / 1e6).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
started = performance.now();
const parsed = parseCrl(crlDer);
console.log(
  `parsed the CRL (${parsed.revoked.size.toLocaleString()} entries) in ${(performance.now() - started).toFixed(0)} ms`,
);

process.stdout.write(
  `building ${PARTITIONS.toLocaleString()} partition CRLs of ${PARTITION_ENTRIES} entries… `,
);
started = performance.now();
const sources = new MemoryCrls({ 'crl/13/131121.crl': crlDer });
for (let p = 0; p < PARTITIONS; p++) {
  const partition = await pki.signCa.crl({
    revoked: Array.from({ length: PARTITION_ENTRIES }, (_, i) => ({
      serial: (0x20000000 + p * PARTITION_ENTRIES + i).toString(16),
    })),
    scope: { distributionPoint: pki.signCa.partition(['Prefecture', `Municipality-${p}`]) },
  });
  sources.set(`crl/p/${p}.crl`, partition);
}
console.log(`${((performance.now() - started) / 1000).toFixed(1)} s`);

const anchors = loadTrustAnchors([pki.signCa.der], { allowTest: true });
const revocation = new RevocationChecker({ reader: sources, anchors });
const verifier = new JpkiVerifier({ anchors, revocation });
started = performance.now();
await verifier.verify(der, statement, signature); // warm: reads, parses and verifies every CRL once
console.log(
  `first registration: read ${sources.reads.length.toLocaleString()} CRLs in ${(performance.now() - started).toFixed(0)} ms (one listing, one signature check each)`,
);

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
