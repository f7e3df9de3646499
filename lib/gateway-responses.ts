import { PROBLEMS, type ProblemCode, problemType } from '../functions/shared/problems.ts';

/**
 * What API Gateway itself answers, before any function runs, expressed as problem codes so that every
 * error a client can see is problem+json with a stable `code`, whoever produced it. The local runtime uses
 * the same codes for the same situations (unknown route, wrong method, oversized body).
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
  // The authorizer could not check a token because a dependency failed: retry, do not drop the token.
  AUTHORIZER_FAILURE: 'service_unavailable',
  AUTHORIZER_CONFIGURATION_ERROR: 'service_unavailable',
  INTEGRATION_TIMEOUT: 'service_unavailable',
  DEFAULT_4XX: 'invalid_request',
  DEFAULT_5XX: 'internal_error',
} as const satisfies Record<string, ProblemCode>;

/** The problem document a gateway response carries; static, so it can be a mapping template. */
export function staticProblemBody(code: ProblemCode): string {
  const { status, title } = PROBLEMS[code];
  return JSON.stringify({ type: problemType(code), title, status, code });
}
