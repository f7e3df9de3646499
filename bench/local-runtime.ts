/**
 * `npm run bench:local`: is the local runtime usable with many residents? Registers residents through the
 * local runtime (the virtual phone and card, the real handlers, moto behind them) with 0, 10,000 and 50,000
 * other accounts' items in the table, and prints the median registration latency at each size.
 * The other accounts are written straight into the table (a profile, a certificate index entry and two
 * device keys each, as a registration writes them), not registered one by one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ENV } from '../functions/shared/env.ts';
import { LOCAL_CREDENTIALS } from '../functions/shared/names.ts';
import { ensureLocalPki } from '../lib/local/pki.ts';
import { startLocalRuntime } from '../lib/local/runtime.ts';
import { issueCard } from '../test/harness/cards.ts';
import { ApiClient } from '../test/harness/phone/api.ts';
import { VirtualPhone } from '../test/harness/phone/phone.ts';

const SIZES = (process.env.BENCH_SIZES ?? '0,10000,50000').split(',').map(Number);
const REGISTRATIONS = Number(process.env.BENCH_REGISTRATIONS ?? 5);
const ITEMS_PER_ACCOUNT = 4;

process.env.XID_LOCAL_DIR = mkdtempSync(path.join(tmpdir(), 'xid-bench-local-'));
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const runtime = await startLocalRuntime({ port: 0, mailPort: 0 });
try {
  const pki = await ensureLocalPki(process.env.XID_LOCAL_DIR);
  const api = new ApiClient(runtime.apiUrl);
  const table = runtime.environment[ENV.tableName] as string;
  const dynamo = new DynamoDBClient({
    endpoint: runtime.awsEndpoint,
    region: runtime.environment.AWS_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  let written = 0;
  const fill = async (items: number) => {
    while (written < items) {
      const batch = Array.from({ length: 25 }, (_, i) => {
        const n = written + i;
        const account = Math.floor(n / ITEMS_PER_ACCOUNT);
        return {
          PutRequest: {
            Item: {
              pk: { S: `ACCOUNT#bench-${account}` },
              sk: {
                S: ['PROFILE', 'DEVICEKEY#auth', 'DEVICEKEY#sign', 'CONSENT#terms'][
                  n % ITEMS_PER_ACCOUNT
                ] as string,
              },
              payload: { S: 'x'.repeat(300) },
            },
          },
        };
      });
      await dynamo.send(new BatchWriteItemCommand({ RequestItems: { [table]: batch } }));
      written += batch.length;
    }
  };
  const rows: string[] = [];
  for (const size of SIZES) {
    await fill(size);
    const times: number[] = [];
    for (let i = 0; i < REGISTRATIONS; i++) {
      const card = await issueCard(pki, {});
      const phone = new VirtualPhone();
      await phone.setPins('1234', '567890', { kdf: { N: 2 ** 10, r: 8, p: 1 } });
      const started = performance.now();
      await phone.register(api, card.reissue(), card.holder.signPin);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] as number;
    rows.push(
      `${String(size).padStart(7)} items   median ${median.toFixed(0).padStart(6)} ms   max ${Math.max(
        ...times,
      )
        .toFixed(0)
        .padStart(6)} ms`,
    );
    console.log(rows.at(-1));
  }
  dynamo.destroy();
} finally {
  await runtime.stop();
  rmSync(process.env.XID_LOCAL_DIR, { recursive: true, force: true });
}
