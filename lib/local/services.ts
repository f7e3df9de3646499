import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The local stand-ins for AWS, each a child process on a loopback port: moto_server (DynamoDB, KMS, SNS)
 * and aws-ses-v2-local (SES v2, with a web page of received mail). Their output goes to log files under the
 * state folder; `stop()` ends them and waits until they are gone.
 */
export interface Service {
  name: string;
  url: string;
  pid: number;
  /** Called once if the child ends on its own (not through `stop`), with its exit code or signal. */
  onUnexpectedExit(listener: (how: string) => void): void;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the OS picks it; it is released again before use). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export class MissingToolError extends Error {
  override name = 'MissingToolError';
}

const MOTO_INSTALL = "python3 -m pip install 'moto[server]'";

/** Finds moto (with its server) for python3; if it is missing, says how to install it and tries that once. */
export function ensureMoto(log: (line: string) => void): void {
  const works = () =>
    spawnSync('python3', ['-c', 'import moto.server, moto.dynamodb'], { stdio: 'ignore', timeout: 30_000 })
      .status === 0;
  if (works()) return;
  log(
    `moto_server was not found. It is the local stand-in for DynamoDB, KMS and SNS. Install it with:\n  ${MOTO_INSTALL}`,
  );
  log('Trying that now...');
  const pip = spawnSync('python3', ['-m', 'pip', 'install', 'moto[server]'], {
    stdio: 'inherit',
    timeout: 600_000,
  });
  if (pip.status !== 0 || !works()) {
    throw new MissingToolError(`moto_server is still missing; install it by hand with: ${MOTO_INSTALL}`);
  }
}

async function waitForPort(
  port: number,
  child: ChildProcess,
  name: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} while starting`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/** Ends a child: SIGTERM, then SIGKILL if it has not gone after a grace period. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

async function startService(
  name: string,
  command: string,
  args: string[],
  port: number,
  logDir: string,
): Promise<Service> {
  mkdirSync(logDir, { recursive: true });
  const logFile = createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  child.stdout?.pipe(logFile);
  child.stderr?.pipe(logFile);
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  await spawned;
  try {
    await waitForPort(port, child, name);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  let stopping = false;
  const listeners: ((how: string) => void)[] = [];
  child.once('exit', (code, signal) => {
    if (stopping) return;
    for (const listener of listeners) listener(signal ? `signal ${signal}` : `code ${code}`);
  });
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    onUnexpectedExit: (listener) => {
      listeners.push(listener);
    },
    stop: () => {
      stopping = true;
      return stopChild(child);
    },
  };
}

/**
 * Starts moto's server on a loopback port, through `moto_server.py` beside this module: moto with its
 * DynamoDB operations serialised and transactions that copy only the items they touch (see that file).
 */
export function startMoto(port: number, logDir: string): Promise<Service> {
  const launcher = fileURLToPath(new URL('./moto_server.py', import.meta.url));
  return startService('moto', 'python3', [launcher, '-H', '127.0.0.1', '-p', String(port)], port, logDir);
}

/**
 * Starts aws-ses-v2-local on a loopback port, through `mailbox.ts` beside this module (loopback names only:
 * see that file), with this Node: one process, one pid.
 */
export function startSes(port: number, logDir: string): Promise<Service> {
  const launcher = fileURLToPath(new URL('./mailbox.ts', import.meta.url));
  return startService(
    'ses',
    process.execPath,
    ['--import', 'tsx', launcher, '--host', '127.0.0.1', '--port', String(port)],
    port,
    logDir,
  );
}
