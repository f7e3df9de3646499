import { type ChildProcess, fork } from 'node:child_process';
import * as path from 'node:path';
import type { CallTally } from '../../functions/shared/aws-calls.ts';
import { REPO_ROOT } from '../paths.ts';

/**
 * A function in its own process, as Lambda runs it in its own execution environment: its own module
 * instances, so its own AWS clients, caches and unwrapped keys, warm after its first invocation and cold
 * again only in a new container. The local gateway uses one per function it is asked to isolate
 * (`XID_ISOLATE`), which is how `npm run bench:calls` and the call-count tests see cold and warm starts.
 * Invocations run one at a time, as in one Lambda execution environment.
 */
export interface FunctionModule {
  /** The function's id (route id or event function id). */
  id: string;
  entry: string;
  handler: string;
}

export interface Invocation {
  result: unknown;
  /** Set when the handler threw (the gateway answers 500, as Lambda's error would reach API Gateway). */
  error?: string;
  /** AWS calls the invocation made, by `Service:Action`. */
  calls: CallTally;
  /** The first invocation of this container. */
  cold: boolean;
}

export interface Container {
  readonly id: string;
  invoke(event: unknown): Promise<Invocation>;
  stop(): Promise<void>;
}

type Reply = { seq: number; result?: unknown; error?: string; calls: CallTally; cold: boolean };

const MAIN = path.join(REPO_ROOT, 'lib/local/container-main.ts');

/** Starts a container for `fn` with the given environment (the local runtime's, as Lambda gets its own). */
export function startContainer(fn: FunctionModule, environment: NodeJS.ProcessEnv): Container {
  const child: ChildProcess = fork(MAIN, [fn.id, fn.entry, fn.handler], {
    cwd: REPO_ROOT,
    env: environment,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  let seq = 0;
  let queue: Promise<unknown> = Promise.resolve();
  child.on('message', (reply: Reply) => {
    pending.get(reply.seq)?.resolve(reply);
    pending.delete(reply.seq);
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      for (const { reject } of pending.values())
        reject(new Error(`container ${fn.id} exited (${code ?? signal}) during an invocation`));
      pending.clear();
      resolve();
    }),
  );
  const send = (event: unknown) =>
    new Promise<Reply>((resolve, reject) => {
      const mine = ++seq;
      pending.set(mine, { resolve, reject });
      child.send({ seq: mine, event }, (error) => {
        if (error) {
          pending.delete(mine);
          reject(error);
        }
      });
    });
  return {
    id: fn.id,
    invoke(event) {
      const run = queue.then(async () => {
        const reply = await send(event);
        return { result: reply.result, error: reply.error, calls: reply.calls, cold: reply.cold };
      });
      queue = run.catch(() => undefined);
      return run;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
