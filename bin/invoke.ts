#!/usr/bin/env -S npx tsx
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Handler } from 'aws-lambda';
import { readEventFile } from '../events/load.ts';
import { ENV } from '../functions/shared/env.ts';
import { EVENT_FUNCTIONS } from '../lib/event-functions.ts';
import { lambdaContext } from '../lib/local/apigw-event.ts';
import { readRuntimeRecord } from '../lib/local/runtime.ts';
import { REPO_ROOT } from '../lib/paths.ts';
import { ROUTES } from '../lib/routes.ts';

/**
 * `npm run invoke -- <function> <event.json>`: runs one handler with one event, as `sam local invoke`
 * does. <function> is a route id (`getTerms`) or an event function id (`platformApplications`). When
 * `npm start` is running, the handler gets the same environment and reaches the same stand-ins.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const [name, eventFile] = process.argv.slice(2);
const known = [...ROUTES.map((r) => r.id), ...Object.keys(EVENT_FUNCTIONS)];
if (!name || !eventFile) {
  console.error(`usage: npm run invoke -- <function> <event.json>\nfunctions: ${known.join(', ')}`);
  process.exit(2);
}
const target =
  ROUTES.find((r) => r.id === name) ??
  (EVENT_FUNCTIONS as Record<string, { entry: string; handler: string }>)[name];
if (!target) {
  console.error(`Unknown function "${name}". Known: ${known.join(', ')}`);
  process.exit(2);
}

const record = readRuntimeRecord();
if (record) {
  Object.assign(process.env, record.environment);
} else {
  process.env[ENV.stage] ??= 'local';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
  console.error(
    '(npm start is not running: the handler gets no table, keys or mail; fine for health and terms)',
  );
}

const module = (await import(pathToFileURL(path.join(REPO_ROOT, target.entry)).href)) as Record<
  string,
  unknown
>;
const handler = module[target.handler] as Handler;
const result = await handler(readEventFile(path.resolve(eventFile)), lambdaContext(name), () => undefined);
console.log(JSON.stringify(result, null, 2));
