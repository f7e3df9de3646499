import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { APIGatewayAuthorizerResult, APIGatewayProxyResult, Handler } from 'aws-lambda';
import { problem, SECURITY_HEADERS } from '../../functions/shared/http/response.ts';
import { AUTHORIZER_CACHE_SECONDS, BEARER } from '../../functions/shared/names.ts';
import { PROBLEMS, type ProblemCode } from '../../functions/shared/problems.ts';
import { EVENT_FUNCTIONS } from '../event-functions.ts';
import {
  GATEWAY_RESPONSES,
  type GatewayResponseType,
  gatewayHeaders,
  problemTemplate,
  renderProblemTemplate,
  WAF_RATE_LIMITED_BODY,
} from '../gateway-responses.ts';
import { matchPath, type Route } from '../routes.ts';
import { toProxyEvent } from './apigw-event.ts';
import { BoundedCache } from './bounded-cache.ts';
import { CardRefusal, type LocalCards } from './cards.ts';
import { type FaultRule, faultRules } from './fault-proxy.ts';
import { gatewayUrl, hostnameOf } from './hosts.ts';
import { type Invoker, localInvoker } from './invoker.ts';
import { type LocalNotices, readSnsDelivery } from './notices.ts';
import { type RateLimitRules, rateLimiter } from './rate-limits.ts';

/** How many authorizer answers the local gateway keeps (API Gateway's own cache is per token, bounded by AWS). */
export const AUTHORIZER_CACHE_ENTRIES = 1000;

/** API Gateway's own limit on a request payload. */
export const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface GatewayOptions {
  routes: readonly Route[];
  /** Local delivery of SNS notices (under `/_local/`), when the runtime provides it. */
  notices?: LocalNotices;
  /** The fault-injection seam's rules, under `/_local/faults` (local stage only). */
  faults?: {
    list(): unknown[];
    set(rules: FaultRule[]): void;
  };
  /** Test cards for apps without NFC (`/_local/cards`), when the runtime provides them. */
  cards?: LocalCards;
  /**
   * The `Host` names (lower case, no port) that API routes and `/_local/cards` answer; any other is refused
   * with 403, because links are built from it. Unset: any.
   */
  answeredHosts?: ReadonlySet<string>;
  /** The secret in the paths of the SNS subscription endpoints (`snsPath`); required with `notices`. */
  snsSecret?: string;
  /** Called after a route answered 2xx (the runtime reacts to new push topics without polling delays). */
  afterRoute?: (routeId: string) => Promise<void>;
  host: string;
  port: number;
  /** One line per request: method, route template (never the raw path: it may hold a token), status, time. */
  accessLog?: (line: string) => void;
  /** Runs the handlers (in this process, or isolated in containers) and records their AWS calls. */
  invoker?: Invoker;
  /** `POST /_local/token-keys/rotation`: what a deployment with a new rotation label does. */
  rotateTokenKeys?: () => Promise<void>;
  /** The firewall's per-address rate rules, with the stage's limits (none: no limits). */
  rateLimits?: RateLimitRules;
}

/** The header API Gateway puts its request id in (the correlation id: problems' `instance`, access logs). */
export const REQUEST_ID_HEADER = 'x-amzn-RequestId';

/** What API Gateway answers itself for a response type, from the same definitions as the Api stack. */
export function gatewayAnswer(
  code: ProblemCode,
  requestId: string,
  extraHeaders: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode: PROBLEMS[code].status,
    headers: { ...gatewayHeaders(code), ...extraHeaders },
    body: renderProblemTemplate(problemTemplate(code), requestId),
  };
}

const answerOf = (type: GatewayResponseType, requestId: string) =>
  gatewayAnswer(GATEWAY_RESPONSES[type], requestId);

/** The authorizer's verdict on a token, as API Gateway acts on it. */
type Verdict =
  | { allowed: true; context: Record<string, unknown> }
  | { allowed: false; type: GatewayResponseType };

/**
 * Plays API Gateway (and its firewall's rate rules) on loopback: matches the route table, answers unknown
 * routes (404), wrong methods (405), oversized payloads (413), refused tokens (401) and addresses over a rate
 * rule (429) itself with the gateway responses the Api stack defines (the web ACL's answer for a rate rule),
 * and otherwise turns the request into a proxy event for the route's handler module, the same module that is
 * bundled for Lambda. Every answer carries its request id in `x-amzn-RequestId`, and the handler sees the
 * same id as `requestContext.requestId`.
 */
export async function startGateway(
  options: GatewayOptions,
): Promise<{ url: string; invoker: Invoker; close(): Promise<void> }> {
  const invoker = options.invoker ?? localInvoker({ isolate: () => false });
  const limiter = options.rateLimits ? rateLimiter(options.rateLimits) : undefined;

  /**
   * API Gateway's TOKEN authorizer step: the same authorizer module, the same header check, and its
   * answers cached per token as the stack configures it.
   */
  const authorizations = new BoundedCache<Verdict>(AUTHORIZER_CACHE_ENTRIES, AUTHORIZER_CACHE_SECONDS * 1000);
  const authorize = async (header: string | undefined, route: Route): Promise<Verdict> => {
    // API Gateway checks the header against the authorizer's validationRegex before invoking it.
    if (!header || !BEARER.test(header)) return { allowed: false, type: 'UNAUTHORIZED' };
    const cached = authorizations.get(header);
    if (cached) return cached.value;
    const methodArn = `arn:aws:execute-api:local:000000000000:local/local/${route.method}${route.path}`;
    let result: APIGatewayAuthorizerResult;
    try {
      result = (await invoker.invoke(EVENT_FUNCTIONS.authorizer, {
        type: 'TOKEN',
        authorizationToken: header,
        methodArn,
      })) as APIGatewayAuthorizerResult;
    } catch (error) {
      // As API Gateway: "Unauthorized" is a 401 (and cached); any other error is AUTHORIZER_FAILURE, a 503
      // that is not cached, so the same token works once the dependency is back.
      if ((error as Error).message !== 'Unauthorized') return { allowed: false, type: 'AUTHORIZER_FAILURE' };
      const verdict: Verdict = { allowed: false, type: 'UNAUTHORIZED' };
      authorizations.set(header, verdict);
      return verdict;
    }
    const grants = (effect: string) =>
      result.policyDocument.Statement.some(
        (s) =>
          s.Effect === effect &&
          [(s as { Resource?: string | string[] }).Resource]
            .flat()
            .some((r) => r && matchesArn(r, methodArn)),
      );
    const verdict: Verdict =
      grants('Allow') && !grants('Deny')
        ? { allowed: true, context: { principalId: result.principalId, ...result.context } }
        : { allowed: false, type: 'ACCESS_DENIED' };
    authorizations.set(header, verdict);
    return verdict;
  };

  const server = http.createServer(async (req, res) => {
    const started = Date.now();
    const requestId = randomUUID();
    let template = '(no route)';
    const send = (result: APIGatewayProxyResult) => {
      const headers = {
        ...SECURITY_HEADERS,
        ...(result.headers ?? {}),
        [REQUEST_ID_HEADER]: requestId,
      } as Record<string, string | number | boolean>;
      res.writeHead(
        result.statusCode,
        Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])),
      );
      res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
      options.accessLog?.(`${req.method} ${template} ${result.statusCode} ${Date.now() - started}ms`);
    };
    const refuse = (type: GatewayResponseType) => send(answerOf(type, requestId));
    // What only the local runtime refuses (a Host that is not its own), in the same shape.
    const refuseLocally = (code: ProblemCode) => send(gatewayAnswer(code, requestId));
    // What the web ACL's rate rules answer, before API Gateway.
    const refuseByFirewall = () =>
      send({
        statusCode: PROBLEMS.rate_limited.status,
        headers: { 'Content-Type': 'application/json' },
        body: WAF_RATE_LIMITED_BODY,
      });
    try {
      const body = await readBody(req, GATEWAY_MAX_BODY_BYTES);
      if (body === 'too-large') return refuse('REQUEST_TOO_LARGE');
      const url = new URL(req.url ?? '/', 'http://gateway.invalid');
      const hostAnswered =
        !options.answeredHosts || options.answeredHosts.has(hostnameOf(req.headers.host) ?? '');
      if (url.pathname === '/_local/cards' || url.pathname.startsWith('/_local/cards/')) {
        if (!hostAnswered) return refuseLocally('forbidden');
        if (!options.cards) return refuseLocally('not_found');
        return await cards(url, req.method ?? 'GET', body, options.cards, send);
      }
      // DNS rebinding: a page that makes its own name resolve to this machine must not drive the local
      // endpoints (SNS deliveries, faults, pushes) either; only this runtime's names are answered.
      if (url.pathname.startsWith('/_local/') && !hostAnswered) return refuseLocally('forbidden');
      if (url.pathname === '/_local/faults' && options.faults) {
        return send(faults(req.method ?? 'GET', body, options.faults));
      }
      if (url.pathname.startsWith('/_local/')) {
        return await local(url, req, body, { ...options, invoker, secret: options.snsSecret ?? '' }, send);
      }
      const clientIp = req.socket.remoteAddress ?? '127.0.0.1';
      if (limiter && !limiter.admit(clientIp)) return refuseByFirewall();
      let candidates: { route: Route; params: Record<string, string> }[];
      try {
        candidates = options.routes.flatMap((route) => {
          const params = matchPath(route.path, url.pathname);
          return params ? [{ route, params }] : [];
        });
      } catch {
        return refuse('BAD_REQUEST_PARAMETERS');
      }
      if (candidates.length === 0) return refuse('MISSING_AUTHENTICATION_TOKEN');
      const match = candidates.find((c) => c.route.method === req.method);
      if (!match) {
        // The Api stack's ANY method on the path: a mock integration that answers 405 with Allow.
        const allow = [...new Set(candidates.map((c) => c.route.method))].sort().join(', ');
        return send(gatewayAnswer('method_not_allowed', requestId, { Allow: allow }));
      }
      template = match.route.path;
      if (!hostAnswered) {
        options.accessLog?.(
          `refused Host ${JSON.stringify(req.headers.host ?? '')}: not an address of this runtime`,
        );
        return refuseLocally('forbidden');
      }
      if (limiter && match.route.waf && !limiter.admitGroup(clientIp, match.route.waf))
        return refuseByFirewall();
      let authorizer: Record<string, unknown> | undefined;
      if (match.route.auth === 'resident') {
        const verdict = await authorize(req.headers.authorization, match.route);
        if (!verdict.allowed) return refuse(verdict.type);
        authorizer = verdict.context;
      }
      const event = toProxyEvent(
        {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body,
          sourceIp: clientIp,
        },
        { path: match.route.path, pathParameters: match.params },
        req.headers.host ?? options.host,
        requestId,
      );
      if (authorizer) event.requestContext.authorizer = authorizer;
      const result = (await invoker.invoke(match.route, event)) as APIGatewayProxyResult;
      // Before the client hears of it: e.g. a new push topic gets its local subscription now, so the first
      // notice published after the first subscription of a municipality is delivered too.
      if (result.statusCode < 300) await options.afterRoute?.(match.route.id);
      send(result);
    } catch (error) {
      // In Lambda, a handler that fails outright (the house chain catches everything else) is an
      // integration failure to API Gateway.
      console.error('local gateway: handler failed', error);
      refuse('INTEGRATION_FAILURE');
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: gatewayUrl(options.host, port),
    invoker,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await invoker.recycle();
    },
  };
}

/**
 * `/_local/cards`: `POST` issues a card from the local PKI; `POST /_local/cards/{cardId}/apdu` sends it one
 * APDU; `POST /_local/cards/{cardId}/signatures` has it sign a registration statement (one whole tap).
 */
async function cards(
  url: URL,
  method: string,
  body: Buffer,
  store: LocalCards,
  send: (result: APIGatewayProxyResult) => void,
): Promise<void> {
  const reply = (statusCode: number, value: unknown) =>
    send({ statusCode, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) });
  if (method !== 'POST') return send(problem('method_not_allowed', { headers: { Allow: 'POST' } }));
  let input: unknown;
  try {
    input = body.byteLength ? JSON.parse(body.toString('utf8')) : undefined;
  } catch {
    return send(problem('malformed_json'));
  }
  try {
    if (url.pathname === '/_local/cards') return reply(201, await store.issue(input));
    const [, cardId, action] = /^\/_local\/cards\/([^/]+)\/(apdu|signatures)$/.exec(url.pathname) ?? [];
    if (!cardId) return send(problem('not_found'));
    if (action === 'apdu') return reply(200, store.apdu(decodeURIComponent(cardId), input));
    return reply(200, await store.sign(decodeURIComponent(cardId), input));
  } catch (error) {
    if (error instanceof CardRefusal) return reply(error.status, error.body);
    throw error;
  }
}

/**
 * The local runtime's own endpoints, never part of the API: the HTTP subscriptions of the notice topics,
 * what the push gateway and the dead-letter path hold (for the virtual phone and the tests), the
 * invocations with their AWS calls (`GET`, `DELETE /_local/invocations`; `DELETE /_local/containers` ends
 * the isolated functions' containers, so that their next invocations are cold starts), and a token-key
 * rotation as a deployment would make it (`POST /_local/token-keys/rotation`).
 */
async function local(
  url: URL,
  req: http.IncomingMessage,
  body: Buffer,
  {
    notices,
    invoker,
    rotateTokenKeys,
    secret,
  }: Pick<GatewayOptions, 'notices' | 'rotateTokenKeys'> & { invoker: Invoker; secret: string },
  send: (result: APIGatewayProxyResult) => void,
): Promise<void> {
  const ok = (value: unknown) =>
    send({ statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) });
  const method = req.method ?? 'GET';
  if (url.pathname === '/_local/invocations' && method === 'GET') return ok(invoker.records());
  if (url.pathname === '/_local/invocations' && method === 'DELETE') {
    invoker.clearRecords();
    return ok({});
  }
  if (url.pathname === '/_local/containers' && method === 'DELETE') {
    await invoker.recycle();
    return ok({});
  }
  if (url.pathname === '/_local/token-keys/rotation' && method === 'POST' && rotateTokenKeys) {
    await rotateTokenKeys();
    return ok({});
  }
  if (!notices) return send(problem('not_found'));
  if (url.pathname.startsWith('/_local/sns/')) {
    if (method !== 'POST') return send(problem('method_not_allowed', { headers: { Allow: 'POST' } }));
    const delivery = readSnsDelivery(url.pathname, req.headers, body, secret);
    if ('refuse' in delivery) return send(problem(delivery.refuse));
    const { kind, message } = delivery;
    if (message.Type === 'Notification') {
      if (kind === 'ingest') {
        const handler: Handler = (event) => invoker.invoke(EVENT_FUNCTIONS.notices, event);
        await notices.ingest(message, handler);
      } else {
        notices.push(message);
      }
    }
    return ok({});
  }
  const push = /^\/_local\/push\/([^/]+)$/.exec(url.pathname);
  if (req.method === 'GET' && push?.[1]) return ok(await notices.pushesFor(decodeURIComponent(push[1])));
  if (req.method === 'GET' && url.pathname === '/_local/dead-letters') return ok(notices.deadLetters());
  send(problem('not_found'));
}

/**
 * `GET /_local/faults` lists the rules with their hits; `PUT` (a JSON array of rules) replaces them;
 * `DELETE` lifts them all.
 */
function faults(
  method: string,
  body: Buffer,
  seam: NonNullable<GatewayOptions['faults']>,
): APIGatewayProxyResult {
  const listing = () => ({
    statusCode: 200,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ rules: seam.list() }),
  });
  if (method === 'GET') return listing();
  if (method === 'DELETE') {
    seam.set([]);
    return listing();
  }
  if (method !== 'PUT') return problem('method_not_allowed', { headers: { Allow: 'DELETE, GET, PUT' } });
  let parsed: ReturnType<typeof faultRules.safeParse>;
  try {
    parsed = faultRules.safeParse(JSON.parse(body.toString('utf8')));
  } catch {
    return problem('malformed_json');
  }
  if (!parsed.success) return problem('invalid_request', { detail: parsed.error.message });
  seam.set(parsed.data);
  return listing();
}

/** IAM-style matching of an execute-api ARN against a policy resource with `*` wildcards. */
function matchesArn(pattern: string, arn: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return regex.test(arn);
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
