import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { RuntimeRecord } from '#lib/local/runtime';
import { REPO_ROOT } from '#lib/paths';

/** A local runtime started as `npm start` starts it, in its own process, on free ports, with its own state. */
export interface RuntimeProcess {
  apiUrl: string;
  record: RuntimeRecord;
  child: ChildProcess;
  stateDir: string;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A fresh state folder, for tests that prepare it (e.g. the local PKI) before the runtime starts. */
export function newStateDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'xid-local-'));
}

export async function startRuntimeProcess(
  env: Record<string, string> = {},
  stateDir: string = newStateDir(),
): Promise<RuntimeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, XID_PORT: '0', XID_MAIL_PORT: '0', XID_LOCAL_DIR: stateDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    output += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const apiUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`local runtime did not start in 90 s:\n${output}`)),
      90_000,
    );
    const check = () => {
      const ready = /\[xid\] ready (http:\/\/\S+)/.exec(output);
      if (ready?.[1]) {
        clearTimeout(timer);
        resolve(ready[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`local runtime exited with ${code}:\n${output}`));
    });
  });
  const record = JSON.parse(readFileSync(path.join(stateDir, 'runtime.json'), 'utf8')) as RuntimeRecord;
  return {
    apiUrl,
    record,
    child,
    stateDir,
    output: () => output,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      const code = await exited;
      rmSync(stateDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A problem document's `code`, after checking the response really is problem+json. */
export async function problemCode(response: Response): Promise<string> {
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('application/problem+json')) throw new Error(`not a problem document: ${type}`);
  const body = (await response.json()) as { code: string; status: number };
  if (body.status !== response.status)
    throw new Error(`status ${body.status} in the body, ${response.status} on the wire`);
  return body.code;
}
