/**
 * `npm run bench:cold`: what a cold start costs before any request work. Bundles every function exactly as
 * CDK does (lib/bundles.ts), then imports each bundle in a fresh Node process (with `--enable-source-maps`,
 * as the functions run in Lambda) ten times, interleaved with an empty handler bundled the same way, and
 * prints the median import time beside the empty handler's, the ratio and the bundle size.
 * Budgets (issue 18): the authorizer within 4× the empty handler, every API function within 8×, every
 * bundle under 500 KB. `-- --json` prints `{"<function>": {"ms", "ratio", "bytes"}, "empty": {…}}`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ENV } from '../functions/shared/env.ts';
import { bundleEntry, deployedFunctions } from '../lib/bundles.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const json = process.argv.includes('--json');
const MAX_BYTES = 500 * 1024;

/** What a function finds in its environment in Lambda (values are placeholders: nothing is called). */
const LAMBDA_ENV: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'ap-northeast-1',
  AWS_ACCESS_KEY_ID: 'cold',
  AWS_SECRET_ACCESS_KEY: 'cold',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_SERVICE_NAME: 'cold',
  POWERTOOLS_METRICS_NAMESPACE: 'xid-cold',
  [ENV.stage]: 'dev',
  [ENV.tableName]: 'xid-dev-main',
  [ENV.dataKeyId]: 'arn:aws:kms:ap-northeast-1:123456789012:key/data',
  [ENV.tokenKeyId]: 'arn:aws:kms:ap-northeast-1:123456789012:key/token',
  [ENV.mailFrom]: 'no-reply@dev.xid.example.jp',
  [ENV.mailConfigurationSet]: 'xid-dev-mail',
  [ENV.trustAnchors]: 's3://trust/anchors/signca03.cer',
  [ENV.crlSources]: 's3://trust/crl/signature.crl',
  [ENV.allowTestAnchors]: 'true',
  [ENV.topicPrefix]: 'arn:aws:sns:ap-northeast-1:123456789012:xid-dev',
  [ENV.pushApplications]: '{}',
  [ENV.topicKeyId]: 'arn:aws:kms:ap-northeast-1:123456789012:key/storage',
  [ENV.linkageSources]: 's3://trust/linkage/certificate-links.json',
  [ENV.chatWebhookSecret]: 'xid/dev/alarm-chat',
};

function importMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const run = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
    env: LAMBDA_ENV,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`importing ${file} failed:\n${run.stderr}`);
  return Number(run.stdout);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const work = mkdtempSync(path.join(tmpdir(), 'xid-cold-'));
try {
  const emptyEntry = path.join(work, 'empty.ts');
  writeFileSync(emptyEntry, "export const handler = async () => ({ statusCode: 200, body: '' });\n");
  const functions = deployedFunctions();
  const entries = [...new Set(functions.map((f) => f.entry))];
  const bundles = new Map<string, { file: string; bytes: number }>();
  bundles.set('empty', await bundleEntry(emptyEntry, path.join(work, 'empty')));
  for (const entry of entries) {
    const assets = [...new Set(functions.filter((f) => f.entry === entry).flatMap((f) => f.assets))];
    bundles.set(entry, await bundleEntry(entry, path.join(work, entry.replace(/[/.]/g, '_')), assets));
  }

  // Interleaved rounds: every bundle, the empty one included, sees the same machine load.
  const times = new Map<string, number[]>([...bundles.keys()].map((k) => [k, []]));
  for (let round = 0; round < RUNS; round++)
    for (const [key, bundle] of bundles) times.get(key)?.push(importMs(bundle.file));

  const empty = median(times.get('empty') ?? []);
  const result: Record<string, { ms: number; ratio: number; bytes: number }> = {
    empty: { ms: round1(empty), ratio: 1, bytes: bundles.get('empty')?.bytes ?? 0 },
  };
  for (const fn of functions) {
    const ms = median(times.get(fn.entry) ?? []);
    result[fn.id] = {
      ms: round1(ms),
      ratio: Math.round((ms / empty) * 100) / 100,
      bytes: bundles.get(fn.entry)?.bytes ?? 0,
    };
  }
  if (json) {
    console.log(JSON.stringify(result));
  } else {
    console.log(
      `median import time of ${RUNS} fresh processes each (node ${process.version}, --enable-source-maps)`,
    );
    console.log(
      `${'function'.padEnd(26)} ${'bundle'.padStart(9)} ${'ms'.padStart(7)} ${'ratio'.padStart(6)}  budget`,
    );
    for (const [id, figures] of Object.entries(result)) {
      const fn = functions.find((f) => f.id === id);
      const limit = id === 'authorizer' ? 4 : fn?.kind === 'api' ? 8 : undefined;
      const ok = figures.bytes < MAX_BYTES && (limit === undefined || figures.ratio <= limit);
      const budget = id === 'empty' ? '' : `${limit ? `≤ ${limit}×, ` : ''}< 500 KB ${ok ? 'ok' : 'OVER'}`;
      console.log(
        `${id.padEnd(26)} ${`${(figures.bytes / 1024).toFixed(0)} KB`.padStart(9)} ${figures.ms.toFixed(1).padStart(7)} ${`${figures.ratio.toFixed(2)}×`.padStart(6)}  ${budget}`,
      );
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
