/**
 * Every error code the API can answer with, its HTTP status and its title. Apps branch on `code`, so a code
 * once published never changes meaning; `docs/api.md` lists the same table and a unit test keeps the two
 * in step. Use cases throw `ProblemError` with one of these codes and know nothing of HTTP; the HTTP layer maps
 * them, exactly once, in `http/middleware.ts` (`problemDetails`).
 */
export const PROBLEMS = {
  invalid_request: { status: 400, title: 'The request is not valid' },
  malformed_json: { status: 400, title: 'The request body is not valid JSON' },
  unauthorized: { status: 401, title: 'Authentication is required' },
  forbidden: { status: 403, title: 'The request is not allowed' },
  not_found: { status: 404, title: 'No such resource' },
  method_not_allowed: { status: 405, title: 'The method is not allowed on this resource' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'The request body must be application/json' },
  rate_limited: { status: 429, title: 'Too many requests; try again later' },
  challenge_invalid: { status: 409, title: 'The challenge is unknown, expired or already used' },
  statement_mismatch: {
    status: 400,
    title: 'The statement does not match the challenge or the current terms',
  },
  consent_required: { status: 400, title: 'Consent to identity verification is required' },
  certificate_malformed: { status: 400, title: 'The certificate could not be parsed' },
  certificate_untrusted: { status: 422, title: 'The certificate was not issued by a trusted JPKI CA' },
  certificate_expired: { status: 422, title: 'The certificate has expired' },
  certificate_not_yet_valid: { status: 422, title: 'The certificate is not valid yet' },
  certificate_profile: { status: 422, title: 'The certificate is not a JPKI signature certificate' },
  certificate_revoked: { status: 422, title: 'The certificate has been revoked' },
  revocation_unavailable: { status: 503, title: 'The revocation status cannot be determined now' },
  signature_invalid: { status: 422, title: 'The card signature is not valid' },
  municipality_unknown: { status: 422, title: 'No municipality was found for the address' },
  already_registered: { status: 409, title: 'This certificate is already registered' },
  account_not_found: { status: 404, title: 'No account is registered with this certificate' },
  account_changed: {
    status: 409,
    title: 'The account changed while the request was handled; start again with a new challenge',
  },
  proof_invalid: { status: 422, title: 'The device-key proof is not valid' },
  already_active: { status: 409, title: 'The account is already active' },
  reverification_required: {
    status: 409,
    title: 'The certificate of this account was revoked; verify again with the current card first',
  },
  certificate_unchanged: { status: 409, title: 'This certificate is already the account’s current one' },
  identity_mismatch: {
    status: 422,
    title: 'The certificate cannot be shown to belong to the account’s holder',
  },
  conflict: {
    status: 409,
    title: 'Another request changed the account at the same time; nothing was written',
  },
  mail_unavailable: { status: 503, title: 'The mail could not be sent now; nothing was changed, try again' },
  email_not_pending: { status: 409, title: 'There is no unconfirmed e-mail address to send to' },
  platform_unavailable: { status: 422, title: 'Push notifications are not available for this platform' },
  push_not_registered: { status: 409, title: 'Register the device for push notifications first' },
  push_token_in_use: {
    status: 409,
    title: 'This device is registered for push notifications by another account',
  },
  municipality_not_onboarded: {
    status: 409,
    title: 'This municipality does not publish notices through xID',
  },
  authorization_request_closed: {
    status: 409,
    title: 'The authorization request was already decided or has expired',
  },
  internal_error: { status: 500, title: 'Something went wrong on our side' },
  service_unavailable: { status: 503, title: 'The service is temporarily unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

/** One invalid field, as reported in the `errors` member of an `invalid_request` problem. */
export interface FieldError {
  /** JSON Pointer (RFC 6901) to the offending member of the body. */
  pointer: string;
  detail: string;
}

/** What a `ProblemError` may carry beyond its code and detail. */
export interface ProblemExtra {
  /** Field errors of an `invalid_request`. */
  errors?: FieldError[];
  /** Sent as `Retry-After` (429, 503). */
  retryAfterSeconds?: number;
  /**
   * The error behind it (an SDK error, say). Never shown to the client; logged with the problem when it is
   * a 5xx, so that an outage or a denied permission is visible in the logs.
   */
  cause?: unknown;
}

/**
 * A failure the caller can act on, named by a stable code. `detail` is shown to the client, so it must
 * never carry personal data, tokens or internal names.
 */
export class ProblemError extends Error {
  override name = 'ProblemError';

  constructor(
    readonly code: ProblemCode,
    readonly detail?: string,
    readonly extra: ProblemExtra = {},
  ) {
    super(detail ?? PROBLEMS[code].title, extra.cause === undefined ? undefined : { cause: extra.cause });
  }
}

/** The URI that names a problem type (RFC 9457 `type`). */
export function problemType(code: ProblemCode): string {
  return `urn:xid:problem:${code}`;
}
