/**
 * `npm run bench:status-check`: the status check (design.md §3.7) in the local runtime, at scale. It
 * starts a local runtime of its own (moto, in a temporary state folder), fills the certificate index with
 * BENCH_INDEX_ITEMS entries (default 1,000,000), publishes a partition CRL with BENCH_REVOKED (default
 * 100,000) serials that are all new, of which BENCH_ACCOUNTS (default 1,000) are in the index, with an
 * active account each (as in life: most revoked certificates belong to people not registered with xID),
 * and runs the handler three times: the first run looks up every new serial, moves the accounts and
 * records the CRL; the second finds nothing new but looks the first run's new serials up once more (a
 * registration may have committed just after the first run); the third has nothing to do. It prints how
 * long each part took and what the runs did. The target: the first run in under 2 minutes.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ScheduledEvent } from 'aws-lambda';
import { loadEvent } from '../events/load.ts';
import { KEYS } from '../functions/adapters/table-keys.ts';
import { ENV } from '../functions/shared/env.ts';
import type { StatusCheckSummary } from '../functions/status-check/use-cases.ts';
import { lambdaContext } from '../lib/local/apigw-event.ts';
import { ensureLocalPki } from '../lib/local/pki.ts';
import { startLocalRuntime } from '../lib/local/runtime.ts';

const INDEX_ITEMS = Number(process.env.BENCH_INDEX_ITEMS ?? 1_000_000);
const REVOKED = Number(process.env.BENCH_REVOKED ?? 100_000);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 1_000);
const WRITERS = 8;

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const stateDir = mkdtempSync(path.join(tmpdir(), 'xid-bench-'));
process.env.XID_LOCAL_DIR = stateDir;
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

const pki = await ensureLocalPki(stateDir);
const runtime = await startLocalRuntime({ port: 0, mailPort: 0 });
try {
  const table = process.env[ENV.tableName] as string;
  // The seeding is the benchmark's own plumbing, through the SDK (the functions' client has no BatchWrite).
  const seeder = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: process.env[ENV.localAwsEndpoint] }),
  );
  const filler = () => seeder;
  const issuer = (await import('../functions/jpki/certificate.ts')).parseCertificate(pki.signCa.der).subject;
  const issuerSha256 = createHash('sha256').update(issuer).digest('hex');
  // Serial numbers 0 … REVOKED-1 are on the CRL; every `accountEvery`-th of them is registered (index
  // item and account), and the rest of the index is serials from REVOKED on, never revoked.
  const serial = (i: number) => (0x4000000000 + i).toString(16);
  const accountOf = (i: number) => `bench-${i.toString().padStart(8, '0')}`;
  const accountEvery = Math.max(1, Math.floor(REVOKED / ACCOUNTS));
  const indexed = (n: number) => (n < ACCOUNTS ? n * accountEvery : REVOKED + n - ACCOUNTS);
  const hasAccount = (i: number) => i < REVOKED;

  console.log(
    `seeding ${INDEX_ITEMS.toLocaleString()} certificate-index items and ${ACCOUNTS.toLocaleString()} accounts into moto…`,
  );
  let started = performance.now();
  let next = 0;
  const writer = async () => {
    while (next < INDEX_ITEMS) {
      const from = next;
      next = Math.min(INDEX_ITEMS, next + 25);
      const items: Record<string, unknown>[] = [];
      for (let n = from; n < next; n++) {
        const i = indexed(n);
        items.push({
          ...KEYS.certificate(issuerSha256, serial(i)),
          accountId: accountOf(i),
          createdAt: '2026-01-01',
        });
        if (hasAccount(i))
          items.push({
            ...KEYS.account(accountOf(i)),
            accountId: accountOf(i),
            status: 'active',
            certificate: { issuerSha256, serial: serial(i) },
          });
      }
      for (let i = 0; i < items.length; i += 25) {
        let pending = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
        while (pending.length > 0) {
          const { UnprocessedItems } = await filler().send(
            new BatchWriteCommand({ RequestItems: { [table]: pending } }),
          );
          pending = (UnprocessedItems?.[table] ?? []) as typeof pending;
        }
      }
      if (next % 100_000 < 25) process.stdout.write(`  ${next.toLocaleString()} in ${seconds(started)} s\n`);
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
  const seedSeconds = Number(seconds(started));
  console.log(
    `seeded in ${seedSeconds} s (${Math.round(INDEX_ITEMS / seedSeconds).toLocaleString()} items/s)`,
  );

  started = performance.now();
  const crl = await pki.signCa.crl({
    revoked: Array.from({ length: REVOKED }, (_, i) => ({ serial: serial(i), reason: 3 })),
    scope: { distributionPoint: pki.signCa.partition(['Bench', 'Large-shi']) },
  });
  writeFileSync(path.join(pki.crlDir, 'bench-large-shi.crl'), crl);
  console.log(
    `published a partition CRL of ${REVOKED.toLocaleString()} entries (${(crl.length / 1e6).toFixed(1)} MB) in ${seconds(started)} s`,
  );

  const { handler } = (await import('../functions/status-check/handler.ts')) as {
    handler: (event: ScheduledEvent, context: unknown) => Promise<StatusCheckSummary>;
  };
  const event = loadEvent('schedule', 'status-check');
  for (const label of ['first run', 'second run', 'third run']) {
    started = performance.now();
    const summary = await handler(event, lambdaContext('statusCheck'));
    const took = Number(seconds(started));
    console.log(`${label.padEnd(11)} ${String(took).padStart(6)} s  ${JSON.stringify(summary)}`);
    if (label === 'first run')
      console.log(
        `            ${Math.round(summary.newSerials / took).toLocaleString()} new serials/s; target: ${REVOKED.toLocaleString()} in under 120 s`,
      );
  }
} finally {
  await runtime.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
