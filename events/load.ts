import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  APIGatewayProxyEvent,
  APIGatewayTokenAuthorizerEvent,
  CloudFormationCustomResourceEvent,
  ScheduledEvent,
  SNSEvent,
} from 'aws-lambda';

/**
 * Sample Lambda events, one JSON file per source and variant (`apigw/get-terms.json`, `sns/notice.json`).
 * Each call returns a fresh copy, so a test may change it freely.
 */
interface EventsBySource {
  apigw: APIGatewayProxyEvent;
  sns: SNSEvent;
  authorizer: APIGatewayTokenAuthorizerEvent;
  cloudformation: CloudFormationCustomResourceEvent;
  schedule: ScheduledEvent;
}

export type EventSource = keyof EventsBySource;

const EVENTS_DIR = path.dirname(fileURLToPath(import.meta.url));

/** Loads `events/<source>/<name>.json`, typed by its source. */
export function loadEvent<S extends EventSource>(source: S, name: string): EventsBySource[S] {
  return readEventFile(path.join(EVENTS_DIR, source, `${name}.json`)) as EventsBySource[S];
}

/** The names of the fixtures of a source (`events/<source>/*.json`). */
export function eventNames(source: EventSource): string[] {
  return readdirSync(path.join(EVENTS_DIR, source))
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

/** Loads an event from any path (used by `npm run invoke`). */
export function readEventFile(file: string): unknown {
  return structuredClone(JSON.parse(readFileSync(file, 'utf8')));
}
