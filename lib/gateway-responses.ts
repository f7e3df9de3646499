import { DEPENDENCY_RETRY_AFTER_SECONDS } from '../functions/shared/dependency-failure.ts';
import { SECURITY_HEADERS } from '../functions/shared/http/response.ts';
import { PROBLEMS, type ProblemCode, problemType } from '../functions/shared/problems.ts';

/**
 * What API Gateway itself answers, before any function runs, expressed as problem codes so that every
 * error a client can see is problem+json with a stable `code`, whoever produced it. The local runtime
 * answers the same situations (unknown route, wrong method, oversized body, refused token) from the same
 * definitions, and an integration test compares the two.
 *
 * One error shape: API Gateway only sizes and routes. It validates no bodies (the routes have no request
 * models): every handler reads and validates its own body, so `malformed_json` and the field `errors` of
 * `invalid_request` reach the client, with the same `instance` the gateway's own answers carry.
 */
export const GATEWAY_RESPONSES = {
  // API Gateway says "Missing Authentication Token" for a path it does not know.
  MISSING_AUTHENTICATION_TOKEN: 'not_found',
  BAD_REQUEST_BODY: 'invalid_request',
  BAD_REQUEST_PARAMETERS: 'invalid_request',
  REQUEST_TOO_LARGE: 'payload_too_large',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported_media_type',
  UNAUTHORIZED: 'unauthorized',
  ACCESS_DENIED: 'unauthorized',
  EXPIRED_TOKEN: 'unauthorized',
  INVALID_SIGNATURE: 'unauthorized',
  WAF_FILTERED: 'forbidden',
  THROTTLED: 'rate_limited',
  QUOTA_EXCEEDED: 'rate_limited',
  INTEGRATION_FAILURE: 'service_unavailable',
  // The authorizer could not check a token because a dependency failed (a refused token gets a Deny, an
  // ACCESS_DENIED): retry, do not drop the token.
  AUTHORIZER_FAILURE: 'service_unavailable',
  AUTHORIZER_CONFIGURATION_ERROR: 'service_unavailable',
  INTEGRATION_TIMEOUT: 'service_unavailable',
  DEFAULT_4XX: 'invalid_request',
  DEFAULT_5XX: 'internal_error',
} as const satisfies Record<string, ProblemCode>;

export type GatewayResponseType = keyof typeof GATEWAY_RESPONSES;

/** Stage throttling refills every second: a client that waits a second finds tokens again. */
export const THROTTLED_RETRY_AFTER_SECONDS = 1;

/** The request id as API Gateway puts it into a mapping template: the same id as `x-amzn-RequestId`. */
export const REQUEST_ID_VARIABLE = '$context.requestId';

/** When to try again after an answer of API Gateway's own, by status (none for the others). */
export const GATEWAY_RETRY_AFTER_SECONDS: Partial<Record<number, number>> = {
  429: THROTTLED_RETRY_AFTER_SECONDS,
  // An integration or the authorizer failed: the same wait as after the functions' own 503s.
  503: DEPENDENCY_RETRY_AFTER_SECONDS,
};

/**
 * The headers each answer carries besides the content type and the security headers: `WWW-Authenticate`
 * on every 401 (RFC 9110 §11.6.1), `Retry-After` on every 429 and 503.
 */
export function gatewayHeaders(code: ProblemCode): Record<string, string> {
  const status = PROBLEMS[code].status;
  const retryAfter = GATEWAY_RETRY_AFTER_SECONDS[status];
  return {
    'Content-Type': 'application/problem+json',
    ...SECURITY_HEADERS,
    ...(status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}),
    ...(retryAfter !== undefined ? { 'Retry-After': String(retryAfter) } : {}),
  };
}

/**
 * The problem document a gateway answer carries, as a mapping template: static but for `instance`, which is
 * API Gateway's request id (`$context.requestId`), the correlation id of the access log and of every log line.
 */
export function problemTemplate(code: ProblemCode): string {
  const { status, title } = PROBLEMS[code];
  return JSON.stringify({ type: problemType(code), title, status, code, instance: REQUEST_ID_VARIABLE });
}

/**
 * What the web ACL's rate rules answer (a custom response body of WAF, lib/constructs/rest-api.ts, and the
 * local gateway's): the problem document of `429 rate_limited`. WAF answers before API Gateway sees the
 * request, so there is no request id for `instance`, and WAF offers `application/json`, not
 * `application/problem+json`.
 */
export const WAF_RATE_LIMITED_BODY = (() => {
  const { status, title } = PROBLEMS.rate_limited;
  return JSON.stringify({ type: problemType('rate_limited'), title, status, code: 'rate_limited' });
})();

/** What the template gives for one request: the local gateway's answer, and the parity test's expectation. */
export function renderProblemTemplate(template: string, requestId: string): string {
  return template.replaceAll(REQUEST_ID_VARIABLE, requestId);
}
