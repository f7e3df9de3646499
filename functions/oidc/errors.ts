/**
 * Errors of the token and userinfo endpoints, in the shapes their specifications give (RFC 6749 §5.2,
 * RFC 6750 §3.1): a code from the specification and a short description for the relying party's developer.
 * Descriptions never carry personal data, tokens or internal names.
 */
export type TokenErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_token';

export class OAuthError extends Error {
  override name = 'OAuthError';

  constructor(
    readonly error: TokenErrorCode,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
  }

  /** 401 for a client that failed to authenticate and for a bad bearer token; 400 for the rest. */
  get status(): number {
    return this.error === 'invalid_client' || this.error === 'invalid_token' ? 401 : 400;
  }
}

/** Errors of the browser routes, answered as a page (ja/en) because there is nowhere safe to redirect. */
export type PageErrorCode =
  | 'invalid_request'
  | 'client_missing'
  | 'unknown_client'
  | 'redirect_uri_missing'
  | 'redirect_uri_mismatch'
  | 'request_unknown'
  | 'browser_mismatch'
  | 'request_completed';

export class PageError extends Error {
  override name = 'PageError';

  constructor(readonly code: PageErrorCode) {
    super(code);
  }
}
