import * as http from 'node:http';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyResult, Handler } from 'aws-lambda';
import { problem, SECURITY_HEADERS } from '../../functions/shared/http/response.ts';
import type { ProblemCode } from '../../functions/shared/problems.ts';
import { REPO_ROOT } from '../paths.ts';
import { matchPath, type Route } from '../routes.ts';
import { lambdaContext, toProxyEvent } from './apigw-event.ts';

/** API Gateway's own limit on a request payload. */
export const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface GatewayOptions {
  routes: readonly Route[];
  host: string;
  port: number;
  /** One line per request: method, route template (never the raw path: it may hold a token), status, time. */
  accessLog?: (line: string) => void;
}

/**
 * Plays API Gateway on loopback: matches the route table, answers unknown routes (404), wrong methods
 * (405) and oversized payloads (413) itself as API Gateway does, and otherwise turns the request into a
 * proxy event for the route's handler module, the same module that is bundled for Lambda.
 */
export async function startGateway(
  options: GatewayOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  const modules = new Map<string, Promise<Record<string, unknown>>>();
  const load = (entry: string) => {
    let loaded = modules.get(entry);
    if (!loaded) {
      loaded = import(pathToFileURL(path.join(REPO_ROOT, entry)).href) as Promise<Record<string, unknown>>;
      modules.set(entry, loaded);
    }
    return loaded;
  };

  const server = http.createServer(async (req, res) => {
    const started = Date.now();
    let template = '(no route)';
    const send = (result: APIGatewayProxyResult) => {
      const headers = { ...SECURITY_HEADERS, ...(result.headers ?? {}) } as Record<
        string,
        string | number | boolean
      >;
      res.writeHead(
        result.statusCode,
        Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])),
      );
      res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
      options.accessLog?.(`${req.method} ${template} ${result.statusCode} ${Date.now() - started}ms`);
    };
    const refuse = (code: ProblemCode, headers: Record<string, string> = {}) =>
      send(problem(code, { headers }));
    try {
      const body = await readBody(req, GATEWAY_MAX_BODY_BYTES);
      if (body === 'too-large') return refuse('payload_too_large');
      const url = new URL(req.url ?? '/', `http://${options.host}`);
      let candidates: { route: Route; params: Record<string, string> }[];
      try {
        candidates = options.routes.flatMap((route) => {
          const params = matchPath(route.path, url.pathname);
          return params ? [{ route, params }] : [];
        });
      } catch {
        return refuse('invalid_request');
      }
      if (candidates.length === 0) return refuse('not_found');
      const match = candidates.find((c) => c.route.method === req.method);
      if (!match) {
        const allow = [...new Set(candidates.map((c) => c.route.method))].sort().join(', ');
        return refuse('method_not_allowed', { Allow: allow });
      }
      template = match.route.path;
      const event = toProxyEvent(
        {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body,
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        },
        { path: match.route.path, pathParameters: match.params },
        req.headers.host ?? options.host,
      );
      const handler = (await load(match.route.entry))[match.route.handler] as Handler | undefined;
      if (typeof handler !== 'function')
        throw new Error(`${match.route.entry} has no export ${match.route.handler}`);
      const result = (await handler(
        event,
        lambdaContext(match.route.id),
        () => undefined,
      )) as APIGatewayProxyResult;
      send(result);
    } catch (error) {
      console.error('local gateway: handler failed', error);
      refuse('internal_error');
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://${options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return 'too-large';
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > limit) {
      req.resume();
      return 'too-large';
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
