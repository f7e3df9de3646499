import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { z } from 'zod';
import { requestTally } from '../aws-calls.ts';
import { optional } from '../config.ts';
import { DEPENDENCY_RETRY_AFTER_SECONDS, isDependencyFailure } from '../dependency-failure.ts';
import { ENV } from '../env.ts';
import { hasLoneSurrogate } from '../jcs.ts';
import { logger, metrics } from '../powertools.ts';
import { type FieldError, PROBLEMS, ProblemError } from '../problems.ts';
import { preferredLanguage } from './language.ts';
import { problem, SECURITY_HEADERS } from './response.ts';

type Middleware = MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>;

/** The parsed and validated body, stored on the event by `jsonBody` and `validateBody`. */
export const PARSED_BODY = Symbol('xid.parsedBody');
export type EventWithBody<T> = APIGatewayProxyEvent & { [PARSED_BODY]?: T };

/** The log line of every 5xx problem; a metric filter counts it by `code` (lib/constructs/observability.ts). */
export const SERVER_PROBLEM_LOG_MESSAGE = 'request failed';

/**
 * The correlation id of a request: API Gateway's request id, which its access log, its own answers
 * (`$context.requestId`) and its `x-amzn-RequestId` header carry. Lambda's request id is another one.
 */
export function correlationIdOf(event: APIGatewayProxyEvent, context?: Context): string | undefined {
  return event.requestContext?.requestId ?? context?.awsRequestId;
}

/**
 * Puts the correlation id on every log line of the invocation (`correlation_id`). Those lines also carry
 * Lambda's `xray_trace_id`, which leads to the invocation's trace (Lambda's active tracing; the functions
 * carry no X-Ray SDK to annotate it, see `clients.ts`).
 */
export function correlationId(): Middleware {
  return {
    before: async (request) => {
      const id = correlationIdOf(request.event, request.context);
      if (!id) return;
      logger.setCorrelationId(id);
    },
  };
}

/**
 * Turns any error into a problem response, exactly once. A `ProblemError` is the caller's to see; anything else
 * is logged with its stack and answered with a bare 500 that names nothing internal. `instance` is the
 * request's correlation id.
 */
export function problemDetails(): Middleware {
  return {
    onError: async (request) => {
      const error = request.error;
      const instance = correlationIdOf(request.event, request.context);
      const language = preferredLanguage(header(request.event, 'accept-language'));
      if (error instanceof ProblemError) {
        if (PROBLEMS[error.code].status >= 500) {
          // Ours or AWS's fault: the cause (an SDK error, a denied permission) must reach the logs.
          logger.error(SERVER_PROBLEM_LOG_MESSAGE, { code: error.code, error: causeOf(error) });
          metrics.addMetric('ServiceUnavailable', 'Count', 1);
        } else {
          logger.info('request refused', { code: error.code });
        }
        const headers: Record<string, string> = {};
        const retryAfter =
          error.extra.retryAfterSeconds ??
          (PROBLEMS[error.code].status === 503 ? DEPENDENCY_RETRY_AFTER_SECONDS : undefined);
        if (retryAfter !== undefined) headers['Retry-After'] = String(retryAfter);
        request.response = problem(error.code, {
          detail: error.detail,
          instance,
          errors: error.extra.errors,
          headers,
          language,
        });
        return;
      }
      if (isDependencyFailure(error)) {
        // AWS refused, failed, throttled or did not answer in time: the app may try again.
        logger.error(SERVER_PROBLEM_LOG_MESSAGE, {
          code: 'service_unavailable',
          dependencyFailed: true,
          error: error instanceof Error ? error : new Error(String(error)),
        });
        metrics.addMetric('ServiceUnavailable', 'Count', 1);
        request.response = problem('service_unavailable', {
          instance,
          language,
          headers: { 'Retry-After': String(DEPENDENCY_RETRY_AFTER_SECONDS) },
        });
        return;
      }
      logger.error(SERVER_PROBLEM_LOG_MESSAGE, {
        code: 'internal_error',
        error: error instanceof Error ? error : new Error(String(error)),
      });
      metrics.addMetric('UnhandledError', 'Count', 1);
      request.response = problem('internal_error', { instance, language });
    },
  };
}

/** The logged form of a problem's cause: its name, message and stack, never the request's data. */
function causeOf(error: ProblemError): Error | undefined {
  const { cause } = error.extra;
  if (cause === undefined) return undefined;
  return cause instanceof Error ? cause : new Error(String(cause));
}

/**
 * Counts every request and its outcome class (2xx/4xx/5xx) as metrics, so each invocation publishes at
 * least one data point and dashboards can alarm on the 5xx rate per function.
 */
export function requestMetrics(): Middleware {
  const count = async (request: { response: APIGatewayProxyResult | null }) => {
    const status = request.response?.statusCode ?? 500;
    metrics.addMetric('Requests', 'Count', 1);
    metrics.addMetric(
      status >= 500 ? 'ServerErrors' : status >= 400 ? 'ClientErrors' : 'Successes',
      'Count',
      1,
    );
  };
  return { after: count, onError: count };
}

/**
 * Where a stage asks for call counting (`XID_COUNT_AWS_CALLS=true`; the local runtime counts by itself),
 * logs the AWS calls each request made, by service and action.
 */
export function awsCallLog(): Middleware {
  let tally: ReturnType<typeof requestTally> | undefined;
  const log = async () => {
    if (tally?.own) logger.info('aws calls', { awsCalls: tally.calls });
  };
  return {
    before: async () => {
      tally = optional(ENV.countAwsCalls) === 'true' ? requestTally() : undefined;
    },
    after: log,
    onError: log,
  };
}

/** Adds the security headers to every response, success or problem. */
export function securityHeaders(): Middleware {
  const apply = async (request: { response: APIGatewayProxyResult | null }) => {
    if (!request.response) return;
    request.response.headers = { ...SECURITY_HEADERS, ...request.response.headers };
  };
  return { after: apply, onError: apply };
}

/** A request header, whatever its case. */
export function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/** The raw body of an event, and a 413 beyond `maxBytes`. */
function rawBody(event: APIGatewayProxyEvent, maxBytes: number): Buffer | undefined {
  if (event.body === null || event.body === undefined || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (raw.byteLength > maxBytes)
    throw new ProblemError('payload_too_large', `The body may not exceed ${maxBytes} bytes`);
  return raw;
}

/** Only the size limit, for routes that read a body of another type themselves. */
export function bodyLimit(maxBytes: number): Middleware {
  return {
    before: async (request) => {
      rawBody(request.event, maxBytes);
    },
  };
}

/**
 * Reads a JSON body: `application/json` only (415 otherwise), at most `maxBytes` bytes (413), valid JSON
 * whose strings are all text (400 `malformed_json`, also for a lone surrogate escape). Requests without a
 * body pass through untouched.
 */
export function jsonBody(maxBytes: number): Middleware {
  return {
    before: async (request) => {
      const event = request.event as EventWithBody<unknown>;
      const raw = rawBody(event, maxBytes);
      if (!raw) return;
      const contentType = header(event, 'content-type') ?? '';
      const [mediaType, ...params] = contentType.split(';').map((part) => part.trim().toLowerCase());
      const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length);
      if (mediaType !== 'application/json' || (charset !== undefined && charset !== 'utf-8')) {
        throw new ProblemError('unsupported_media_type');
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
      } catch {
        throw new ProblemError('malformed_json');
      }
      // `"\ud800"` is valid JSON but no text: it has no UTF-8 and no canonical (JCS) form to sign.
      if (hasLoneSurrogate(parsed))
        throw new ProblemError(
          'malformed_json',
          'The body holds an unpaired surrogate escape (U+D800 to U+DFFF)',
        );
      event[PARSED_BODY] = parsed;
    },
  };
}

/** Turns zod issues into JSON Pointer field errors, without echoing the submitted values. */
export function fieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.slice(0, 20).map((issue) => ({
    pointer: `/${issue.path.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`,
    detail: issue.message,
  }));
}

/** Validates the parsed body against a zod schema (400 `invalid_request` with the failing members). */
export function validateBody(schema: z.ZodType): Middleware {
  return {
    before: async (request) => {
      const event = request.event as EventWithBody<unknown>;
      const result = schema.safeParse(event[PARSED_BODY]);
      if (!result.success) {
        throw new ProblemError('invalid_request', 'The body does not match the expected shape', {
          errors: fieldErrors(result.error.issues),
        });
      }
      event[PARSED_BODY] = result.data;
    },
  };
}
