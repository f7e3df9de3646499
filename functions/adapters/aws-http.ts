import { createHash, createHmac } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { countCall } from '../shared/aws-calls.ts';
import { optional, required } from '../shared/config.ts';
import { CLIENT_BUDGET, isThrottling } from '../shared/dependency-failure.ts';
import { ENV } from '../shared/env.ts';
import { THROTTLED_LOG_MESSAGE } from '../shared/names.ts';
import { logger } from '../shared/powertools.ts';

/**
 * One signed call to an AWS service's API, as the request paths make them (DynamoDB, KMS, SNS, and the S3
 * reads and SES sends of `s3-object.ts` and `mailer.ts`): a request signed with the SDK's own SigV4 signer
 * and sent with `node:https` over a keep-alive connection (not `fetch`, whose first use loads undici: some
 * 25 ms more on a cold start). The SDK clients cost every function about 30 ms of start-up before any
 * request work (their protocol, schema and endpoint-rule machinery for every operation of every service,
 * and the Node modules they load), which put most API functions over their import-time budget; the three
 * services' wire protocols are small and stable (AWS JSON 1.0/1.1, and the Query protocol for SNS), so
 * `dynamo-client.ts`, `kms-client.ts` and `sns-client.ts` speak them directly over this one transport.
 *
 * What the SDK clients gave is kept: the budget (`CLIENT_BUDGET`), the SDK's standard retry policy (a
 * throttled, 5xx or unreachable call is tried once more after a full-jitter wait), the SDK's credential
 * chain, errors in the SDK's shape (`name`, `$fault`, `$metadata.httpStatusCode`, the service's own
 * fields), throttling logged on every attempt, and each logical call counted once (`aws-calls.ts`).
 * Locally the calls go to `XID_LOCAL_AWS_ENDPOINT` (the fault proxy in front of moto).
 */

/** An AWS service's error answer, in the SDK's shape (what `dependency-failure.ts` and the stores read). */
export class AwsServiceError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode: number };
  constructor(name: string, message: string, status: number, fields: Record<string, unknown> = {}) {
    super(message);
    // The service's own fields (`CancellationReasons`, `Item` …), as own properties only.
    for (const [field, value] of Object.entries(fields))
      if (field !== '__proto__')
        Object.defineProperty(this, field, { value, enumerable: true, writable: true });
    this.name = name;
    this.$fault = status >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode: status };
    // 429 is throttling whatever the error's name (as the SDK reads it).
    if (status === 429) Object.assign(this, { $retryable: { throttling: true } });
  }
}

/** An AWS API as the transport needs it. */
export interface AwsService {
  /** The SigV4 signing name and the first label of the regional endpoint: `dynamodb`, `kms`, `sns`. */
  signingName: string;
  /** How the call counter and the throttling log name the service: `DynamoDB`, `KMS`, `SNS`. */
  displayName: string;
  /** The protocol's request for an action: its headers (besides host) and body. */
  request(action: string, input: unknown): { headers: Record<string, string>; body: string };
  /** The protocol's error from a non-2xx answer. */
  error(status: number, headers: http.IncomingHttpHeaders, body: string): AwsServiceError;
}

/** An answer, read whole. */
export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytesOf = (data: SourceData) =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** node:crypto's SHA-256 and HMAC in the shape the SDK's signer takes. */
export class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

/** RFC 3986 percent-encoding, as SigV4 canonicalises and the SDK encodes query parameters. */
export const rfc3986 = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
/** XML text (S3's and SNS's answers) with its five entities and character references decoded. */
export const xmlText = (text: string) =>
  text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, ref: string) =>
    ref.startsWith('#x')
      ? String.fromCodePoint(Number.parseInt(ref.slice(2), 16))
      : ref.startsWith('#')
        ? String.fromCodePoint(Number(ref.slice(1)))
        : (ENTITIES[ref] as string),
  );
/** The raw content of the first `<name>` element of an XML answer; undefined when there is none. */
export const xmlElement = (xml: string, name: string) =>
  new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml)?.[1];

/**
 * Keep-alive connections, closed after 4 s idle (as undici does): a service closes idle connections on its
 * side, and a request sent on one it has just closed fails for nothing (see `send`).
 */
const IDLE_MS = 4000;
const agents = {
  'http:': new http.Agent({ keepAlive: true, timeout: IDLE_MS }),
  'https:': new https.Agent({ keepAlive: true, timeout: IDLE_MS }),
};
/** Connections used once, for a request that must not be sent twice (see `Limits.fresh`). */
const freshAgents = {
  'http:': new http.Agent({ keepAlive: false }),
  'https:': new https.Agent({ keepAlive: false }),
};
const signers = new Map<string, SignatureV4>();

/**
 * The credentials every signed request uses: the SDK's default chain, once per container. The function
 * bundles alias the chain to the environment provider (Lambda's credentials are in the environment,
 * `shared/lambda-credentials.ts`); the CLIs, which run unbundled, get the whole chain (profiles, SSO).
 */
let provider: ReturnType<typeof defaultProvider> | undefined;
export const credentials = () => {
  provider ??= defaultProvider();
  return provider;
};

function signerFor(signingName: string, region: string): SignatureV4 {
  let signer = signers.get(signingName);
  if (!signer) {
    signer = new SignatureV4({ service: signingName, region, credentials: credentials(), sha256: Sha256 });
    signers.set(signingName, signer);
  }
  return signer;
}

/**
 * One POST of `body` to `url` (its path included), signed for `signingName` in `region`, sent once within
 * `limits`: the answer, whatever its status.
 */
export async function signedPost(
  signingName: string,
  region: string,
  url: URL,
  headers: Record<string, string>,
  body: string,
  limits: Limits = {},
): Promise<Answer> {
  const signed = await signerFor(signingName, region).sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query: {},
    headers: { ...headers, host: url.host, 'content-length': String(Buffer.byteLength(body)) },
    body,
  } as Parameters<SignatureV4['sign']>[0]);
  return send(url, 'POST', signed.headers as Record<string, string>, body, limits);
}

/**
 * A request given up on: `ECONNTIMEOUT` when no connection was ever made (nothing was sent), `ETIMEDOUT`
 * when the answer did not come (the request may have been acted on).
 */
const timeoutError = (what: 'the connection' | 'the answer') =>
  Object.assign(new Error(`${what} timed out`), {
    name: 'TimeoutError',
    code: what === 'the connection' ? 'ECONNTIMEOUT' : 'ETIMEDOUT',
  });

/** How long a request may take: to connect, then to be answered whole; and who may abort it. */
export interface Limits {
  connectMs?: number;
  answerMs?: number;
  signal?: AbortSignal;
  /**
   * A new connection rather than a kept-alive one, for a request that is sent once (an SES send): a
   * kept-alive connection the service has closed meanwhile fails the request, and sending it again is only
   * safe when it is idempotent.
   */
  fresh?: boolean;
}

/**
 * One request, once: connected within `connectMs` (default: the budget's), then answered whole within
 * `answerMs` (default: the budget's), or failed as a `TimeoutError`; aborted when `signal` is.
 */
export async function send(
  url: URL,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body?: string,
  limits: Limits = {},
): Promise<Answer> {
  try {
    return await sendOnce(url, method, headers, body, limits);
  } catch (error) {
    // A kept-alive connection the service had closed just before we wrote to it: the request never
    // reached the service (Node's documented case for `request.reusedSocket`). Once more, on a new one.
    if (!(error as { staleConnection?: boolean }).staleConnection) throw error;
    return sendOnce(url, method, headers, body, limits);
  }
}

function sendOnce(
  url: URL,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body: string | undefined,
  limits: Limits,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const transport = url.protocol === 'http:' ? http : https;
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number, what: 'the connection' | 'the answer') => {
      clearTimeout(timer);
      timer = setTimeout(() => request.destroy(timeoutError(what)), ms);
    };
    const abort = () => request.destroy(limits.signal?.reason as Error);
    const done = () => {
      clearTimeout(timer);
      limits.signal?.removeEventListener('abort', abort);
    };
    const request = transport.request(
      {
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        headers,
        agent: (limits.fresh ? freshAgents : agents)[url.protocol as keyof typeof agents],
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => {
          done();
          reject(error);
        });
        response.on('end', () => {
          done();
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          });
        });
      },
    );
    let answered = false;
    request.on('response', () => {
      answered = true;
    });
    request.on('error', (error: Error & { code?: string }) => {
      done();
      if (!answered && request.reusedSocket && error.code === 'ECONNRESET')
        Object.assign(error, { staleConnection: true });
      reject(error);
    });
    request.on('socket', (socket) => {
      const answer = () => arm(limits.answerMs ?? CLIENT_BUDGET.requestTimeoutMs, 'the answer');
      if (socket.connecting) {
        arm(limits.connectMs ?? CLIENT_BUDGET.connectionTimeoutMs, 'the connection');
        socket.once('connect', answer);
      } else answer();
    });
    if (limits.signal?.aborted) abort();
    else limits.signal?.addEventListener('abort', abort, { once: true });
    request.end(body);
  });
}

/** Network failures worth a second attempt: the service never answered (as the SDK's retry strategy lists them). */
const TRANSIENT_NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNTIMEOUT',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** Answers that mean "the same request will do, in a moment" beyond 5xx and throttling. */
const TRANSIENT_ERRORS = new Set([
  'TransactionInProgressException',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Whether an attempt's failure is worth a second attempt (as the SDK's standard retry strategy decides). */
function transient(error: unknown): boolean {
  if (error instanceof AwsServiceError)
    return error.$fault === 'server' || isThrottling(error) || TRANSIENT_ERRORS.has(error.name);
  const code = (error as { code?: string } | undefined)?.code;
  return code !== undefined && TRANSIENT_NETWORK.has(code);
}

/** A full-jitter wait before the second attempt: the SDK's base delays, 500 ms after throttling, else 100 ms. */
const backoff = (error: unknown) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * (isThrottling(error) ? 500 : 100)));

/** Calls `action` of `service` with `input`, signed, within the budget; the answer's body, or an error. */
export async function callAws(service: AwsService, action: string, input: unknown): Promise<string> {
  const region = required(ENV.region);
  const url = new URL(
    optional(ENV.localAwsEndpoint) ?? `https://${service.signingName}.${region}.amazonaws.com`,
  );
  const { headers, body } = service.request(action, input);
  if (optional(ENV.countAwsCalls) === 'true') countCall(`${service.displayName}:${action}`);
  for (let attempt = 1; ; attempt++) {
    try {
      const answer = await signedPost(service.signingName, region, url, headers, body);
      const text = answer.body.toString('utf8');
      if (answer.status >= 200 && answer.status < 300) return text;
      throw service.error(answer.status, answer.headers, text);
    } catch (error) {
      if (isThrottling(error))
        logger.warn(THROTTLED_LOG_MESSAGE, { awsService: service.displayName, operation: action });
      if (attempt >= CLIENT_BUDGET.maxAttempts || !transient(error)) throw error;
      await backoff(error);
    }
  }
}

/** The error type an answer names (`x-amzn-errortype`, or the body's `__type`/`code`), without its namespace. */
export function errorTypeOf(header: string | string[] | undefined, bodyType: unknown): string | undefined {
  const raw = (Array.isArray(header) ? header[0] : header) || (typeof bodyType === 'string' ? bodyType : '');
  const name = raw.split(':')[0]?.split('#').at(-1);
  return name || undefined;
}

/** The AWS JSON protocols (1.0 for DynamoDB, 1.1 for KMS): `X-Amz-Target: <prefix>.<Action>`, JSON both ways. */
export function awsJson(
  signingName: string,
  displayName: string,
  version: '1.0' | '1.1',
  targetPrefix: string,
): AwsService {
  return {
    signingName,
    displayName,
    request: (action, input) => ({
      headers: {
        'content-type': `application/x-amz-json-${version}`,
        'x-amz-target': `${targetPrefix}.${action}`,
      },
      body: JSON.stringify(input),
    }),
    error: (status, headers, body) => {
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(body) as Record<string, unknown>;
      } catch {
        // not JSON (a proxy's page): the status says enough
      }
      const { __type, code, message, Message, ...fields } = parsed;
      const name = errorTypeOf(headers['x-amzn-errortype'], __type ?? code) ?? `Http${status}`;
      const text = typeof message === 'string' ? message : typeof Message === 'string' ? Message : name;
      return new AwsServiceError(name, text, status, fields);
    },
  };
}
