import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  DeleteTopicCommand,
  ListSubscriptionsCommand,
  ListTopicsCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#functions/shared/env';
import { LOCAL_CREDENTIALS, topicArn } from '#functions/shared/names';
import { REPO_ROOT } from '#lib/paths';
import { type RuntimeProcess, startRuntimeProcess } from '../integration/local-runtime.ts';
import { tableOf } from './table.ts';

/**
 * `npm run municipality` as a clerk or an operator runs it: a process, its output and its exit code
 * (issue 16). Help for every command, idempotent onboarding, a bad notice rejected with a receipt, one-line
 * errors, drift, and offboarding that leaves nothing behind.
 */
let runtime: RuntimeProcess;
let sns: SNSClient;
let table: ReturnType<typeof tableOf>;
const PUBLISHER = 'arn:aws:iam::210987654321:role/shinagawa-notices';
const files = mkdtempSync(path.join(tmpdir(), 'xid-cli-'));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the command to its end, whatever its exit code. */
function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'bin/municipality.ts', ...args],
      { cwd: REPO_ROOT, env: { ...process.env, XID_LOCAL_DIR: runtime.stateDir }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** What the stage has of a municipality: its topics, the subscriptions to them, its record. */
async function footprint(code: string) {
  const topics = ((await sns.send(new ListTopicsCommand({}))).Topics ?? [])
    .map((t) => t.TopicArn as string)
    .filter((arn) => arn.endsWith(`-${code}`) && !arn.includes('-push-'));
  const subscriptions = ((await sns.send(new ListSubscriptionsCommand({}))).Subscriptions ?? [])
    .filter((s) => topics.includes(s.TopicArn as string))
    .map((s) => `${s.TopicArn} ${s.Protocol} ${s.Endpoint}`);
  const records = (await table.snapshot()).filter((item) => item.includes(`"MUNICIPALITY#${code}"`));
  return { topics: topics.sort(), subscriptions: subscriptions.sort(), records };
}

const notice = (overrides: Record<string, unknown> = {}) => ({
  schema: 'xid/notice/v1',
  noticeId: randomUUID(),
  title: '断水のお知らせ',
  body: '1月5日 9時から12時まで、広町2丁目で断水します。',
  category: 'disaster',
  publishedAt: new Date().toISOString(),
  ...overrides,
});

function file(name: string, content: unknown): string {
  const where = path.join(files, name);
  writeFileSync(where, JSON.stringify(content));
  return where;
}

beforeAll(async () => {
  runtime = await startRuntimeProcess();
  const env = runtime.record.environment;
  sns = new SNSClient({
    endpoint: env[ENV.localAwsEndpoint],
    region: env.AWS_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  table = tableOf(runtime.record);
}, 180_000);

afterAll(async () => {
  sns?.destroy();
  table?.close();
  await runtime?.stop();
});

const noStackTrace = (run: Run) =>
  expect(`${run.stdout}${run.stderr}`).not.toMatch(/\n\s+at |Error: .*\n.*\.ts:\d+/);

describe('npm run municipality', () => {
  it.each(['onboard', 'offboard', 'list', 'publish', 'receipts'])(
    'explains %s with --help',
    async (command) => {
      const run = await cli(command, '--help');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`npm run municipality -- ${command}`);
      expect(run.stdout).toContain('--stage');
    },
  );

  it('lists the commands with --help, and refuses a wrong command, option or value in one line, exit 2', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    for (const command of ['onboard', 'offboard', 'list', 'publish', 'receipts'])
      expect(help.stdout).toContain(command);
    for (const args of [
      ['frobnicate'],
      ['onboard', '131091', '--colour', 'blue'],
      ['onboard', '131091', '--title', 'x'],
      ['onboard', '999999', '--publisher', PUBLISHER],
      ['onboard', '131091', '--publisher', 'someone'],
      ['publish', '131091', '--file', path.join(files, 'missing.json')],
      ['list', '--stage', 'qa'],
    ]) {
      const run = await cli(...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(run.stderr).toMatch(/^error: /);
      noStackTrace(run);
    }
  });

  it('onboards once: a second run changes nothing, creates nothing, and says so', async () => {
    const first = await cli('onboard', '131091', '--publisher', PUBLISHER);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('東京都品川区 (131091) onboarded:');
    const after = await footprint('131091');
    expect(after.topics).toHaveLength(2);
    expect(after.subscriptions).toHaveLength(1);
    expect(after.records).toHaveLength(1);
    const second = await cli('onboard', '131091', '--publisher', PUBLISHER);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('is already onboarded as asked: nothing changed, nothing created.');
    expect(await footprint('131091')).toEqual(after);
  });

  it('publishes a good notice and prints its accepted receipt', async () => {
    const sent = notice();
    const run = await cli('publish', '131091', '--file', file('good.json', sent));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`accepted  notice ${sent.noticeId}`));
  });

  it('refuses before publishing a notice that fails the check: the reasons in Japanese and English, exit 1', async () => {
    const before = (await cli('receipts', '131091', '--json')).stdout;
    const run = await cli(
      'publish',
      '131091',
      '--file',
      file('bad.json', notice({ url: 'http://x.example.jp/' })),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('not published');
    expect(run.stderr).toContain('リンク(url)は https://');
    expect(run.stderr).toContain('url must be an https:// address');
    noStackTrace(run);
    expect((await cli('receipts', '131091', '--json')).stdout).toBe(before);
  });

  it('publishes a bad notice when told to, and exits 1 with its rejected receipt, which `receipts` shows', async () => {
    const bad = notice({ title: '<b>至急</b>', category: 'ads' });
    const run = await cli('publish', '131091', '--file', file('bad.json', bad), '--skip-validation');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`rejected  notice ${bad.noticeId}`);
    expect(run.stdout).toContain('- title: 件名(title)は');
    expect(run.stdout).toContain('- category: 分類(category)は');
    const latest = await cli('receipts', '131091', '--json', '--limit', '1');
    expect(latest.code).toBe(0);
    expect(JSON.parse(latest.stdout)).toMatchObject({ noticeId: bad.noticeId, status: 'rejected' });
  });

  it('shows drift: a record whose ingest topic is gone', async () => {
    expect((await cli('onboard', '141003', '--publisher', PUBLISHER)).code).toBe(0);
    const prefix = runtime.record.environment[ENV.topicPrefix] as string;
    await sns.send(new DeleteTopicCommand({ TopicArn: topicArn(prefix, 'ingest', '141003') }));
    const run = await cli('list');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/131091 {2}東京都品川区 {2}ok/);
    expect(run.stdout).toMatch(/141003 {2}神奈川県横浜市 {2}DRIFT: record without its ingest topic/);
    // Onboarding again repairs it.
    const repair = await cli('onboard', '141003', '--publisher', PUBLISHER);
    expect(repair.stdout).toContain('created');
    expect((await cli('list')).stdout).toMatch(/141003 {2}神奈川県横浜市 {2}ok/);
  });

  it('offboards leaving nothing: no topic, no subscription, no record; a second offboard says so', async () => {
    const run = await cli('offboard', '131091');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('removed the ingest topic, the receipts topic, the record');
    expect(await footprint('131091')).toEqual({ topics: [], subscriptions: [], records: [] });
    expect((await cli('list')).stdout).not.toContain('131091');
    const again = await cli('offboard', '131091');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('was not onboarded: nothing to remove');
  });
});
