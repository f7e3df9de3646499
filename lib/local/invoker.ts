import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Handler } from 'aws-lambda';
import { type CallTally, countInto } from '../../functions/shared/aws-calls.ts';
import { REPO_ROOT } from '../paths.ts';
import { lambdaContext } from './apigw-event.ts';
import { type Container, type FunctionModule, type Invocation, startContainer } from './container.ts';

/** One invocation as the local runtime records it (`GET /_local/invocations`). */
export interface InvocationRecord {
  function: string;
  cold: boolean;
  calls: CallTally;
  failed: boolean;
  at: string;
}

export interface Invoker {
  /** Runs the function with the event; throws what the handler threw. */
  invoke(fn: FunctionModule, event: unknown): Promise<unknown>;
  /** The recorded invocations, oldest first (the last 10,000). */
  records(): InvocationRecord[];
  clearRecords(): void;
  /** Ends every container: the next invocation of an isolated function is a cold start. */
  recycle(): Promise<void>;
}

const MAX_RECORDS = 10_000;

/**
 * Runs the handlers for the local gateway and records what each invocation cost in AWS calls. Functions
 * named in `isolate` (or all, with `*`) run in their own container process, as in Lambda; the others run
 * in the runtime's process, where modules are shared between functions (cheaper, but warm for all of them
 * after the first request).
 */
export function localInvoker(options: { isolate: (id: string) => boolean }): Invoker {
  const modules = new Map<string, Promise<Record<string, unknown>>>();
  const started = new Set<string>();
  const containers = new Map<string, Container>();
  let records: InvocationRecord[] = [];

  const record = (id: string, outcome: Omit<Invocation, 'result'>) => {
    records.push({
      function: id,
      cold: outcome.cold,
      calls: outcome.calls,
      failed: outcome.error !== undefined,
      at: new Date().toISOString(),
    });
    if (records.length > MAX_RECORDS) records = records.slice(-MAX_RECORDS);
  };

  /** In this process; `thrown` keeps the handler's own error, to be rethrown as it was. */
  const inProcess = async (
    fn: FunctionModule,
    event: unknown,
  ): Promise<Invocation & { thrown?: unknown }> => {
    let loaded = modules.get(fn.entry);
    if (!loaded) {
      loaded = import(pathToFileURL(path.join(REPO_ROOT, fn.entry)).href) as Promise<Record<string, unknown>>;
      modules.set(fn.entry, loaded);
    }
    const handler = (await loaded)[fn.handler] as Handler | undefined;
    if (typeof handler !== 'function') throw new Error(`${fn.entry} has no export ${fn.handler}`);
    const cold = !started.has(fn.id);
    started.add(fn.id);
    const calls: CallTally = {};
    try {
      const result = await countInto(calls, async () =>
        handler(event, lambdaContext(fn.id), () => undefined),
      );
      return { result, calls, cold };
    } catch (error) {
      return { result: undefined, error: String(error), calls, cold, thrown: error };
    }
  };

  return {
    async invoke(fn, event) {
      let outcome: Invocation & { thrown?: unknown };
      if (options.isolate(fn.id)) {
        let container = containers.get(fn.id);
        if (!container) {
          container = startContainer(fn, { ...process.env });
          containers.set(fn.id, container);
        }
        outcome = await container.invoke(event);
      } else {
        outcome = await inProcess(fn, event);
      }
      record(fn.id, outcome);
      // From a container, the handler's error as Lambda reports it: its message.
      if (outcome.error !== undefined) throw outcome.thrown ?? new Error(outcome.error);
      return outcome.result;
    },
    records: () => [...records],
    clearRecords: () => {
      records = [];
    },
    async recycle() {
      const stopping = [...containers.values()].map((c) => c.stop());
      containers.clear();
      await Promise.all(stopping);
    },
  };
}

/** `XID_ISOLATE`: a comma-separated list of function ids to run in containers, or `*` for all. */
export function isolationFrom(value: string | undefined): (id: string) => boolean {
  const ids = new Set(
    (value ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  );
  return (id) => ids.has('*') || ids.has(id);
}
