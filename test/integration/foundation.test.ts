import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeRecord } from '#lib/local/runtime';
import { REPO_ROOT } from '#lib/paths';
import { isAlive, problemCode, type RuntimeProcess, startRuntimeProcess } from './local-runtime.ts';

let runtime: RuntimeProcess;

beforeAll(async () => {
  runtime = await startRuntimeProcess();
});

afterAll(async () => {
  await runtime?.stop();
});

describe('the local runtime', () => {
  it('answers GET /v1/health', async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', stage: 'local' });
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=/);
  });

  it('answers GET /v1/terms with digests of the texts it serves at the given URLs', async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/terms`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<
      'terms' | 'privacyPolicy',
      { version: string; sha256: string; url: string }
    >;
    for (const doc of [body.terms, body.privacyPolicy]) {
      expect(doc.url.startsWith(runtime.apiUrl)).toBe(true);
      const text = await fetch(doc.url);
      expect(text.status).toBe(200);
      expect(
        createHash('sha256')
          .update(Buffer.from(await text.arrayBuffer()))
          .digest('hex'),
      ).toBe(doc.sha256);
      expect(text.headers.get('x-document-version')).toBe(doc.version);
      const again = await fetch(doc.url, { headers: { 'If-None-Match': `"${doc.sha256}"` } });
      expect(again.status).toBe(304);
      expect(again.headers.get('etag')).toBe(`"${doc.sha256}"`);
      expect(again.headers.get('cache-control')).toBe('public, no-cache');
      expect(await again.text()).toBe('');
    }
  });

  it('answers a problem in Japanese when the request asks for it, with the same code', async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/terms/no-such-document`, {
      headers: { 'Accept-Language': 'ja-JP,ja;q=0.9,en;q=0.8' },
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-language')).toBe('ja');
    expect(await response.json()).toMatchObject({
      code: 'not_found',
      title: '該当するものが見つかりません',
      detail: '該当する文書がありません。',
    });
  });

  it('answers an unknown route with 404 not_found', async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/nothing-here`);
    expect(response.status).toBe(404);
    expect(await problemCode(response)).toBe('not_found');
  });

  it('answers a known path with the wrong method with 405 and Allow', async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/health`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
    expect(await problemCode(response)).toBe('method_not_allowed');
  });

  it("refuses a payload over API Gateway's 10 MB limit with 413, whatever the route", async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/health`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(10 * 1024 * 1024 + 1),
    });
    expect(response.status).toBe(413);
    expect(await problemCode(response)).toBe('payload_too_large');
  });

  it('records its children, and leaves none behind when stopped', async () => {
    const other = await startRuntimeProcess();
    const pids = other.record.children.map((c) => c.pid);
    expect(other.record.children.map((c) => c.name).sort()).toEqual(['moto', 'ses']);
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    const code = await other.stop('SIGTERM');
    expect(code).toBe(0);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it('started by `npm start`, stops everything when npm is sent SIGTERM (npm does not pass it on)', async () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), 'xid-npm-start-'));
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: REPO_ROOT,
      env: { ...process.env, XID_PORT: '0', XID_MAIL_PORT: '0', XID_LOCAL_DIR: stateDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout?.on('data', (chunk) => {
      output += String(chunk);
    });
    await expect.poll(() => output.includes('[xid] ready'), { timeout: 60_000, interval: 200 }).toBe(true);
    const record = JSON.parse(readFileSync(path.join(stateDir, 'runtime.json'), 'utf8')) as RuntimeRecord;
    const pids = [record.pid, ...record.children.map((c) => c.pid)];
    npm.kill('SIGTERM');
    await expect.poll(() => pids.filter(isAlive), { timeout: 15_000, interval: 200 }).toEqual([]);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('says so and exits non-zero when moto dies under it, leaving no child behind', async () => {
    const other = await startRuntimeProcess();
    const moto = other.record.children.find((c) => c.name === 'moto');
    const ses = other.record.children.find((c) => c.name === 'ses');
    if (!moto || !ses) throw new Error('no moto or ses child');
    process.kill(moto.pid, 'SIGKILL');
    await expect.poll(() => other.child.exitCode, { timeout: 20_000, interval: 200 }).toBe(3);
    expect(other.output()).toMatch(/moto exited unexpectedly \(signal SIGKILL\)/);
    await expect.poll(() => isAlive(ses.pid), { timeout: 10_000, interval: 200 }).toBe(false);
    await other.stop();
  });

  it('stops its children on Ctrl-C (SIGINT) too', async () => {
    const other = await startRuntimeProcess();
    const pids = other.record.children.map((c) => c.pid);
    expect(await other.stop('SIGINT')).toBe(0);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });
});
