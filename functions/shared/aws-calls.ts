import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Counts AWS calls by service and action (`DynamoDB:GetItem`, `KMS:Decrypt`), per request and in total,
 * so that what an operation costs is measured rather than guessed (`npm run bench:calls`, the call-count
 * tests). With `XID_COUNT_AWS_CALLS` `true`, the functions' own transport (`adapters/aws-http.ts`) counts
 * every call it makes, and `clients.ts` installs the counter on the SDK clients that remain: the local
 * runtime switches it on; in AWS it is off unless a stage asks for it. One logical call counts once,
 * whatever the retries.
 */
export type CallTally = Record<string, number>;

const current = new AsyncLocalStorage<CallTally>();
const totals: CallTally = {};

/** `DynamoDBClient` + `GetItemCommand` → `DynamoDB:GetItem`. */
export function callName(clientName: string, commandName: string): string {
  return `${clientName.replace(/Client$/, '')}:${commandName.replace(/Command$/, '')}`;
}

/** Counts one call made without an SDK client (the transport of `adapters/aws-http.ts` and its users). */
export function countCall(name: string): void {
  count(name);
}

function count(name: string): void {
  totals[name] = (totals[name] ?? 0) + 1;
  const tally = current.getStore();
  if (tally) tally[name] = (tally[name] ?? 0) + 1;
}

interface CountableClient {
  middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { clientName?: string; commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

/** Adds the counting middleware to an SDK client (at the first step, so a retried call counts once). */
export function countAwsCalls<C>(client: C): C {
  (client as unknown as CountableClient).middlewareStack.add(
    (next, context) => (args) => {
      count(callName(context.clientName ?? 'Unknown', context.commandName ?? 'Unknown'));
      return next(args);
    },
    { step: 'initialize', name: 'xidCountAwsCalls' },
  );
  return client;
}

/**
 * Runs `fn` counting into `calls`: every AWS call made on its behalf (however deep, however async) lands
 * there, also when `fn` fails.
 */
export function countInto<T>(calls: CallTally, fn: () => Promise<T>): Promise<T> {
  return current.run(calls, fn);
}

/**
 * The tally of the current request: the one a caller started (the local gateway wraps each invocation in
 * `withCallTally`), or else a new one for the rest of this asynchronous execution, which is what a middy
 * `before` hook can start where nothing can wrap the handler.
 */
export function requestTally(): { calls: CallTally; own: boolean } {
  const running = current.getStore();
  if (running) return { calls: running, own: false };
  const calls: CallTally = {};
  current.enterWith(calls);
  return { calls, own: true };
}

/** Every call counted in this process so far, by name (a copy). */
export function callTotals(): CallTally {
  return { ...totals };
}

/** Adds tallies together (a request's function and its authorizer, a benchmark's many requests). */
export function addTallies(...tallies: CallTally[]): CallTally {
  const sum: CallTally = {};
  for (const tally of tallies)
    for (const [name, n] of Object.entries(tally)) sum[name] = (sum[name] ?? 0) + n;
  return sum;
}
