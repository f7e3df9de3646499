import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { REPO_ROOT } from '#lib/paths';
import { matchPath } from '#lib/routes';

/**
 * The API contract as a checker: `docs/openapi.json` read once, its schemas compiled with ajv (JSON Schema
 * 2020-12, the dialect of OpenAPI 3.1, strict mode, with formats). `responseViolations` says everything
 * about an HTTP answer that the document does not allow: an undocumented status or media type, a body
 * that does not match its schema (for a problem document: a `code` the operation does not list).
 */
type Json = Record<string, unknown>;

export interface Contract {
  document: Json;
  /** A validator for a JSON Schema that may refer to the document's named schemas. */
  compile(schema: Json): ValidateFunction;
  /** The OpenAPI operation of a request, if the document has one. */
  operation(method: string, pathname: string): { template: string; operation: Json } | undefined;
  /** Why this answer breaks the contract; empty when it does not (or when the path is not in the API). */
  responseViolations(answer: {
    method: string;
    path: string;
    status: number;
    contentType: string | null;
    body: unknown;
  }): string[];
}

/** Turns `#/components/schemas/X` into `#/$defs/X`, so that ajv resolves them inside one schema. */
function localRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(localRefs);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        key === '$ref' && typeof inner === 'string'
          ? inner.replace('#/components/schemas/', '#/$defs/')
          : localRefs(inner),
      ]),
    );
  }
  return value;
}

export function contractOf(document: Json): Contract {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats.default(ajv);
  const defs = localRefs((document.components as Json | undefined)?.schemas ?? {}) as Json;
  const cache = new Map<string, ValidateFunction>();
  const compile = (schema: Json) => {
    const key = JSON.stringify(schema);
    let validate = cache.get(key);
    if (!validate) {
      validate = ajv.compile({ ...(localRefs(schema) as Json), $defs: defs });
      cache.set(key, validate);
    }
    return validate;
  };
  const paths = (document.paths ?? {}) as Record<string, Record<string, Json>>;
  const operation = (method: string, pathname: string) => {
    for (const [template, item] of Object.entries(paths)) {
      const found = item[method.toLowerCase()];
      if (found && matchPath(template, pathname)) return { template, operation: found };
    }
    return undefined;
  };
  return {
    document,
    compile,
    operation,
    responseViolations: ({ method, path: target, status, contentType, body }) => {
      const pathname = new URL(target, 'http://contract.invalid').pathname;
      // Outside the API (the local runtime's own /_local/ routes) nothing is promised.
      if (pathname.startsWith('/_local/')) return [];
      const found = operation(method, pathname);
      if (!found) {
        // No operation: the gateway answers 405 for a known path, 404 otherwise, as a problem document.
        const known = Object.keys(paths).some((template) => matchPath(template, pathname));
        const [code, expected] = known ? ['method_not_allowed', 405] : ['not_found', 404];
        const validate = compile({ $ref: '#/components/schemas/Problem' });
        const where = `${method} ${pathname} (no operation) → ${status}`;
        if (status !== expected || !contentType?.startsWith('application/problem+json'))
          return [`${where}: expected ${expected} ${code} as application/problem+json`];
        if (!validate(body) || (body as { code?: string }).code !== code)
          return [`${where}: not a ${code} problem document`];
        return [];
      }
      const where = `${method} ${found.template} → ${status}`;
      const responses = found.operation.responses as Record<string, Json>;
      const response = responses[String(status)];
      if (!response) return [`${where}: status not documented (${Object.keys(responses).join(', ')})`];
      const content = response.content as Record<string, { schema?: Json }> | undefined;
      const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
      if (!content) return body === undefined ? [] : [`${where}: a body where none is documented`];
      if (!mediaType || !content[mediaType])
        return [`${where}: media type ${mediaType} not documented (${Object.keys(content).join(', ')})`];
      const schema = content[mediaType]?.schema;
      if (!schema || !mediaType.endsWith('json')) return [];
      const validate = compile(schema);
      if (validate(body)) return [];
      return (validate.errors ?? []).map(
        (error) =>
          `${where}: ${error.instancePath || '(body)'} ${error.message} ${JSON.stringify(error.params)}`,
      );
    },
  };
}

let loaded: Contract | undefined;

/** The contract of this repository, `docs/openapi.json`. */
export function apiContract(): Contract {
  loaded ??= contractOf(JSON.parse(readFileSync(path.join(REPO_ROOT, 'docs/openapi.json'), 'utf8')) as Json);
  return loaded;
}

/**
 * Every contract violation the harness saw in this process, for a test run to fail on even where a test
 * caught the error the client threw (`test/e2e/contract-setup.ts` checks after each test).
 */
const violations: string[] = [];

/**
 * `fetch`, with the answer checked against the contract: a violation is recorded (and fails the test that
 * made the request); the response is returned untouched for the caller to read.
 */
export async function checkedFetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, init);
  await checkResponse(init.method ?? 'GET', url, response);
  return response;
}

/** Checks an answer (reading a clone of it) against the contract; records and returns the violations. */
export async function checkResponse(
  method: string,
  url: string | URL,
  response: Response,
): Promise<string[]> {
  const text = await response.clone().text();
  const contentType = response.headers.get('content-type');
  let found: string[];
  let body: unknown = text === '' ? undefined : text;
  try {
    if (text !== '' && contentType?.includes('json')) body = JSON.parse(text);
    found = apiContract().responseViolations({
      method,
      path: new URL(url).pathname,
      status: response.status,
      contentType,
      body,
    });
  } catch {
    found = [`${method} ${new URL(url).pathname}: ${contentType} that is not JSON`];
  }
  violations.push(...found);
  return found;
}

/** The violations seen since the last call, and forget them. */
export function takeViolations(): string[] {
  return violations.splice(0, violations.length);
}
