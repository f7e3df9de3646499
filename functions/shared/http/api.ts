import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { z } from 'zod';
import { logger, metrics } from '../powertools.ts';
import {
  awsCallLog,
  bodyLimit,
  correlationId,
  type EventWithBody,
  header,
  jsonBody,
  PARSED_BODY,
  problemDetails,
  requestMetrics,
  securityHeaders,
  validateBody,
} from './middleware.ts';
import type { Resident } from './resident-auth.ts';

/** What an API use-case wiring function receives: the validated body and the raw event. */
export interface ApiInput<B> {
  body: B;
  event: APIGatewayProxyEvent;
  context: Context;
  /** The resident's account id, on routes with `auth`; checked by the authorizer and again here. */
  accountId: string;
  /** The token's generation, on routes with `auth` (see `residentAuth`). */
  tokenGeneration: number;
  /** The resident as the token says (account id, municipality), on routes with `auth`. */
  resident?: Resident;
}

export type ApiFunction<B> = (input: ApiInput<B>) => Promise<APIGatewayProxyResult>;

export interface ApiHandlerOptions<S extends z.ZodType | undefined> {
  /** Schema of the JSON body; the handler's body type is derived from it. Omit for routes without a body. */
  body?: S;
  /** Largest accepted body in bytes (413 beyond). Default 16 KiB, well below API Gateway's 10 MB. */
  maxBodyBytes?: number;
  /**
   * Leave the body unread (the handler reads `event.body` itself): for the OAuth token endpoint, whose
   * body is `application/x-www-form-urlencoded`. The size limit still applies.
   */
  rawBody?: boolean;
  /** For resident routes: verifies the bearer token again (the authorizer did first) and gives its subject. */
  auth?: (authorization: string | undefined, event: APIGatewayProxyEvent) => Promise<Resident>;
}

type BodyOf<S> = S extends z.ZodType ? z.infer<S> : undefined;

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;

/**
 * The house middy chain for API routes. Order matters: security headers wrap everything, problem details
 * turn every error into exactly one RFC 9457 response, then the body is read and validated before the
 * wiring function runs. Returns the Lambda handler; keep a reference to `fn` for unit tests.
 */
export function apiHandler<S extends z.ZodType | undefined = undefined>(
  options: ApiHandlerOptions<S>,
  fn: ApiFunction<BodyOf<S>>,
) {
  const chain = middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(correlationId())
    .use(awsCallLog())
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(requestMetrics())
    .use(securityHeaders())
    .use(problemDetails())
    .use(
      options.rawBody
        ? bodyLimit(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES)
        : jsonBody(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES),
    );
  if (options.body) chain.use(validateBody(options.body));
  const auth = options.auth;
  return chain.handler(async (event, context) => {
    const resident = auth ? await auth(header(event, 'authorization'), event) : undefined;
    return fn({
      body: (event as EventWithBody<BodyOf<S>>)[PARSED_BODY] as BodyOf<S>,
      event,
      context,
      accountId: resident?.accountId ?? '',
      tokenGeneration: resident?.tokenGeneration ?? 0,
      resident,
    });
  });
}
