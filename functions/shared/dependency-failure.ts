/**
 * Whether an error is an AWS dependency failing rather than a bug of ours: the service answered 5xx or
 * throttled, or it could not be reached in time (refused, reset, timed out). Such a request is answered
 * 503 `service_unavailable` with `Retry-After`, never 500: the app may simply try again.
 */
/** AWS refusing for rate: an early sign of a quota (KMS, DynamoDB) running out. */
const THROTTLING_ERRORS = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'LimitExceededException',
  'RequestThrottled',
  'RequestThrottledException',
]);

/** Whether an SDK error is AWS refusing for rate. */
export function isThrottling(error: unknown): boolean {
  const e = error as { name?: string; $retryable?: { throttling?: boolean } } | undefined;
  return Boolean(e && (e.$retryable?.throttling || (e.name && THROTTLING_ERRORS.has(e.name))));
}

/** Errors AWS services name when they fail on their side. */
const SERVER_FAILURES = new Set([
  'KMSInternalException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalServerError',
  'InternalFailure',
]);

const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const NETWORK_NAMES = new Set(['TimeoutError', 'AbortError', 'RequestTimeout', 'RequestTimeoutException']);

/**
 * Every call has a budget well inside a function's 10 seconds: 1 s to connect, 2 s for the answer, two
 * attempts. A dependency that answers nothing therefore costs about 4 s (6.5 s at the very worst, when
 * neither attempt even connects), and the function still answers (503 `service_unavailable`, see
 * `dependency-failure.ts`) instead of being cut off by its own timeout while the hung write may still land.
 */
export const CLIENT_BUDGET = { connectionTimeoutMs: 1000, requestTimeoutMs: 2000, maxAttempts: 2 } as const;

/** Seconds the client should wait before trying again after a dependency failure. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 2;

export function isDependencyFailure(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as {
    name?: string;
    code?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: { throttling?: boolean };
    cause?: unknown;
  };
  if (e.$fault === 'server' || isThrottling(error)) return true;
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  if (e.name && (SERVER_FAILURES.has(e.name) || NETWORK_NAMES.has(e.name))) return true;
  if (e.code && NETWORK.has(e.code)) return true;
  // Node's fetch and the SDK wrap the socket error.
  return e.cause !== undefined && e.cause !== error && isDependencyFailure(e.cause);
}
