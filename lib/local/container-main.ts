import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Handler } from 'aws-lambda';
import { type CallTally, countInto } from '../../functions/shared/aws-calls.ts';
import { REPO_ROOT } from '../paths.ts';
import { lambdaContext } from './apigw-event.ts';

/**
 * The process behind a local container (`container.ts`): imports one handler module, then runs one
 * invocation per message from the gateway and answers with the result and the AWS calls it made.
 */
const [id, entry, exportName] = process.argv.slice(2) as [string, string, string];
let handler: Promise<Handler> | undefined;
let invocations = 0;

process.on('message', async (message: { seq: number; event: unknown }) => {
  const cold = invocations++ === 0;
  const calls: CallTally = {};
  try {
    handler ??= import(pathToFileURL(path.join(REPO_ROOT, entry)).href).then(
      (module: Record<string, unknown>) => {
        const fn = module[exportName];
        if (typeof fn !== 'function') throw new Error(`${entry} has no export ${exportName}`);
        return fn as Handler;
      },
    );
    const run = await handler;
    const result = await countInto(calls, async () => run(message.event, lambdaContext(id), () => undefined));
    process.send?.({ seq: message.seq, result, calls, cold });
  } catch (error) {
    // What Lambda reports of a failed invocation is the error's message (API Gateway reads "Unauthorized").
    process.send?.({
      seq: message.seq,
      error: error instanceof Error ? error.message : String(error),
      calls,
      cold,
    });
  }
});
// Ends with its gateway: a container never outlives the runtime that started it.
process.on('disconnect', () => process.exit(0));
