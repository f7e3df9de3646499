import { type ClaimName, claimsOfParameter, claimsOfScope, orderedClaims } from './claims.ts';
import type { PageErrorCode } from './errors.ts';
import type { RelyingParty } from './relying-party.ts';

/**
 * Checks an authorization request (OIDC Core §3.1.2.1, RFC 7636, design.md §3.13) in the order that
 * decides where an error may go. Until the client and its redirect URI are known, an error is shown to
 * the resident as a page and nobody is redirected anywhere (an open redirector otherwise); after that,
 * errors go back to the relying party's redirect URI as OAuth errors, with `state` when it was given.
 */

/** The OAuth 2.0 / OIDC error codes of the authorization endpoint that xID uses. */
export type AuthorizeError =
  | 'invalid_request'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'login_required'
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'registration_not_supported';

export interface ValidAuthorizeRequest {
  clientId: string;
  redirectUri: string;
  /** The relying party's `state`, returned unchanged. */
  state: string;
  nonce: string;
  /** BASE64URL(SHA-256(code_verifier)), 43 characters. */
  codeChallenge: string;
  /** The claims asked for, in the order of `CLAIMS`. */
  claims: ClaimName[];
  loginHint?: string;
  locale: 'ja' | 'en';
}

export type AuthorizeCheck =
  | { kind: 'page'; error: PageErrorCode }
  | { kind: 'redirect'; redirectUri: string; error: AuthorizeError; description: string; state?: string }
  | { kind: 'valid'; request: ValidAuthorizeRequest };

/** Query parameters as API Gateway gives them: every value of every name. */
export type QueryValues = Readonly<Record<string, readonly string[] | undefined>>;

const MAX_PARAMETER = 2048;
const MAX_STATE = 512;
const MAX_NONCE = 255;
/** VSCHAR of RFC 6749 Appendix A: printable ASCII. */
const VSCHAR = /^[\x20-\x7e]+$/;
const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** The one value of a parameter; `undefined` when absent, `null` when repeated (RFC 6749 §3.1). */
function single(query: QueryValues, name: string): string | undefined | null {
  const values = query[name];
  if (!values || values.length === 0) return undefined;
  if (values.length > 1) return null;
  return values[0];
}

/** The first supported language of `ui_locales` (RFC 5646 tags, space-separated); Japanese otherwise. */
export function localeOf(uiLocales: string | undefined, acceptLanguage?: string): 'ja' | 'en' {
  const tags = [
    ...(uiLocales ?? '').split(' '),
    ...(acceptLanguage ?? '').split(',').map((part) => part.split(';')[0] ?? ''),
  ]
    .map((tag) => tag.trim().toLowerCase())
    .filter(Boolean);
  for (const tag of tags) {
    if (tag === 'ja' || tag.startsWith('ja-')) return 'ja';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return 'ja';
}

export function checkAuthorizeRequest(
  query: QueryValues,
  client: RelyingParty | undefined,
  acceptLanguage?: string,
): AuthorizeCheck {
  const clientId = single(query, 'client_id');
  const redirectUri = single(query, 'redirect_uri');
  if (clientId === null || redirectUri === null) return { kind: 'page', error: 'invalid_request' };
  if (!clientId) return { kind: 'page', error: 'client_missing' };
  if (!client || client.clientId !== clientId) return { kind: 'page', error: 'unknown_client' };
  if (!redirectUri) return { kind: 'page', error: 'redirect_uri_missing' };
  // Exact string comparison: no normalisation, no prefix or pattern matching.
  if (!client.redirectUris.includes(redirectUri)) return { kind: 'page', error: 'redirect_uri_mismatch' };

  const rawState = single(query, 'state');
  const state = typeof rawState === 'string' && rawState.length <= MAX_STATE ? rawState : undefined;
  const backWith = (error: AuthorizeError, description: string): AuthorizeCheck => ({
    kind: 'redirect',
    redirectUri,
    error,
    description,
    ...(state === undefined ? {} : { state }),
  });

  for (const [name, values] of Object.entries(query)) {
    if ((values?.length ?? 0) > 1) return backWith('invalid_request', `${name} is repeated`);
    if ((values?.[0]?.length ?? 0) > MAX_PARAMETER) return backWith('invalid_request', `${name} is too long`);
  }
  const value = (name: string) => single(query, name) ?? undefined;

  if (value('request') !== undefined)
    return backWith('request_not_supported', 'request objects are not supported');
  if (value('request_uri') !== undefined)
    return backWith('request_uri_not_supported', 'request_uri is not supported');
  if (value('registration') !== undefined)
    return backWith('registration_not_supported', 'registration is not supported');

  const responseType = value('response_type');
  if (!responseType) return backWith('invalid_request', 'response_type is required');
  if (responseType !== 'code')
    return backWith('unsupported_response_type', 'only response_type=code is supported');
  const responseMode = value('response_mode');
  if (responseMode !== undefined && responseMode !== 'query')
    return backWith('invalid_request', 'only response_mode=query is supported');

  const scopes = (value('scope') ?? '').split(' ').filter(Boolean);
  if (!scopes.includes('openid')) return backWith('invalid_scope', 'scope must include openid');

  if (rawState === undefined || rawState === '') return backWith('invalid_request', 'state is required');
  if (state === undefined || !VSCHAR.test(state)) return backWith('invalid_request', 'state is not valid');
  const nonce = value('nonce');
  if (!nonce) return backWith('invalid_request', 'nonce is required');
  if (nonce.length > MAX_NONCE || !VSCHAR.test(nonce))
    return backWith('invalid_request', 'nonce is not valid');

  const codeChallenge = value('code_challenge');
  const method = value('code_challenge_method');
  if (!codeChallenge) return backWith('invalid_request', 'PKCE is required: code_challenge is missing');
  if (method !== 'S256') return backWith('invalid_request', 'code_challenge_method must be S256');
  if (!CODE_CHALLENGE.test(codeChallenge))
    return backWith('invalid_request', 'code_challenge must be 43 base64url characters');

  const prompt = (value('prompt') ?? '').split(' ').filter(Boolean);
  if (prompt.includes('none'))
    return backWith('login_required', 'every sign-in is approved in the xID app; prompt=none cannot be met');
  const maxAge = value('max_age');
  if (maxAge !== undefined && !/^\d{1,10}$/.test(maxAge))
    return backWith('invalid_request', 'max_age must be a number of seconds');

  const requested = [...claimsOfScope(scopes)];
  const claimsParameter = value('claims');
  if (claimsParameter !== undefined) {
    const named = claimsOfParameter(claimsParameter);
    if (!Array.isArray(named)) return backWith('invalid_request', named.error);
    requested.push(...named);
  }
  const claims = orderedClaims(requested);
  const refused = claims.find((claim) => !client.claims.includes(claim));
  if (refused) return backWith('invalid_scope', `the claim ${refused} is not allowed for this client`);

  const loginHint = value('login_hint');
  return {
    kind: 'valid',
    request: {
      clientId,
      redirectUri,
      state,
      nonce,
      codeChallenge,
      claims,
      ...(loginHint ? { loginHint } : {}),
      locale: localeOf(value('ui_locales'), acceptLanguage),
    },
  };
}

/**
 * A redirect URI with response parameters added to its query (RFC 6749 §4.1.2): the registered URI's own
 * query is kept byte for byte, and the authorization server's `iss` is always added (RFC 9207).
 */
export function redirectWith(redirectUri: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) query.append(name, value);
  return `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}${query.toString()}`;
}
