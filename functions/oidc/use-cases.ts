import { timingSafeEqual } from 'node:crypto';
import { verifyProof } from '../auth/proofs.ts';
import { normaliseEmailAddress } from '../mail/email-address.ts';
import { ProblemError } from '../shared/problems.ts';
import { checkAuthorizeRequest, type QueryValues, redirectWith } from './authorize.ts';
import { CLAIMS, type ClaimName, claimValues, orderedClaims, SCOPES, SEALED_CLAIMS } from './claims.ts';
import {
  ASSERTION_ALGORITHMS,
  ASSERTION_TYPE,
  AssertionError,
  assertedClient,
  checkAssertionClaims,
  parseJwt,
  verifyAssertionSignature,
} from './client-assertion.ts';
import { CODE_VERIFIER, normaliseUserCode, pkceMatches, secretHash } from './codes.ts';
import { OAuthError, PageError } from './errors.ts';
import type { AuthorizationCode, AuthorizationRequest, Grant, OidcPorts } from './ports.ts';
import type { RelyingParty } from './relying-party.ts';

/**
 * Sign in with xID (design.md §3.13): the authorization-code flow of OpenID Connect, approved by the
 * resident in the app with PIN1. The browser starts at the authorize endpoint and waits on the request
 * page; the app finds the request (by login hint and push, or by the user code) and decides with a proof
 * by the auth key; the browser then continues to the relying party with a code, which the relying party
 * exchanges, authenticated by `private_key_jwt`, for an ID token and an access token for userinfo.
 */
export const REQUEST_TTL_SECONDS = 5 * 60;
/** How long after the decision the browser may still continue to the relying party. */
export const CONTINUE_WINDOW_SECONDS = 5 * 60;
export const CODE_TTL_SECONDS = 60;
export const ID_TOKEN_TTL_SECONDS = 10 * 60;
export const ACCESS_TOKEN_TTL_SECONDS = 10 * 60;
export const HINTS_PER_REQUEST = 3;
export const HINTS_PER_ADDRESS_PER_HOUR = 10;
export const CLAIMS_PER_ACCOUNT = 20;
export const CLAIM_WINDOW_SECONDS = 15 * 60;

export type RequestState = 'pending' | 'approved' | 'denied' | 'expired';

/** The provider's endpoints under its issuer (the API's public base URL). */
export function endpointsOf(issuer: string) {
  return {
    authorization: `${issuer}/oauth2/authorize`,
    token: `${issuer}/oauth2/token`,
    userinfo: `${issuer}/oauth2/userinfo`,
    jwks: `${issuer}/.well-known/jwks.json`,
    requestPage: (requestId: string) => `${issuer}/oauth2/requests/${requestId}`,
  };
}

/** `GET /.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §3). */
export function discovery(issuer: string) {
  const endpoints = endpointsOf(issuer);
  return {
    issuer,
    authorization_endpoint: endpoints.authorization,
    token_endpoint: endpoints.token,
    userinfo_endpoint: endpoints.userinfo,
    jwks_uri: endpoints.jwks,
    scopes_supported: Object.keys(SCOPES),
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['ES256'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
    code_challenge_methods_supported: ['S256'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', ...CLAIMS],
    claims_parameter_supported: true,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    require_request_uri_registration: false,
    authorization_response_iss_parameter_supported: true,
    ui_locales_supported: ['ja', 'en'],
    claim_types_supported: ['normal'],
  };
}

/** Where a request stands for the page and the app: a pending request past its time is expired. */
export function stateOf(request: AuthorizationRequest, now: Date): RequestState {
  if (request.status === 'pending') return request.expiresAt <= now ? 'expired' : 'pending';
  const decidedAt = request.decision?.at ?? request.expiresAt;
  if (decidedAt.getTime() + CONTINUE_WINDOW_SECONDS * 1000 <= now.getTime()) return 'expired';
  return request.status;
}

const sameSecret = (secret: string | undefined, hash: string) => {
  if (!secret) return false;
  const a = Buffer.from(secretHash(secret));
  const b = Buffer.from(hash);
  return a.length === b.length && timingSafeEqual(a, b);
};

// ---------------------------------------------------------------------------------------------------------
// The browser: authorize, the request page, the login hint, status and continue.

export type AuthorizeOutcome =
  | { kind: 'page'; error: PageError }
  | { kind: 'redirect'; location: string }
  | { kind: 'created'; requestId: string; browserSecret: string; location: string };

/** `GET /oauth2/authorize`: checks the request and, when it is good, opens an authorization request. */
export async function authorize(
  query: QueryValues,
  context: { issuer: string; acceptLanguage?: string },
  ports: OidcPorts,
): Promise<AuthorizeOutcome> {
  const clientIds = query.client_id;
  const client =
    clientIds?.length === 1 && clientIds[0] && clientIds[0].length <= 256
      ? await ports.relyingParty(clientIds[0])
      : undefined;
  const check = checkAuthorizeRequest(query, client, context.acceptLanguage);
  if (check.kind === 'page') return { kind: 'page', error: new PageError(check.error) };
  if (check.kind === 'redirect') {
    return {
      kind: 'redirect',
      location: redirectWith(check.redirectUri, {
        error: check.error,
        error_description: check.description,
        state: check.state,
        iss: context.issuer,
      }),
    };
  }
  const valid = check.request;
  const now = ports.now();
  const browserSecret = ports.newSecret();
  let request: AuthorizationRequest | undefined;
  // A user code is short: on the rare collision with a live one, draw again.
  for (let attempt = 0; attempt < 5 && !request; attempt++) {
    const candidate: AuthorizationRequest = {
      requestId: ports.newId(),
      clientId: valid.clientId,
      clientName: (client as RelyingParty).name,
      redirectUri: valid.redirectUri,
      state: valid.state,
      nonce: valid.nonce,
      codeChallenge: valid.codeChallenge,
      claims: valid.claims,
      userCode: ports.newUserCode(),
      locale: valid.locale,
      browserHash: secretHash(browserSecret),
      createdAt: now,
      expiresAt: new Date(now.getTime() + REQUEST_TTL_SECONDS * 1000),
      status: 'pending',
      addressedTo: [],
      hints: 0,
    };
    if (await ports.createRequest(candidate)) request = candidate;
  }
  if (!request) throw new Error('no free user code after five draws');
  if (valid.loginHint) await sendLoginHint(request, valid.loginHint, ports, { quiet: true });
  return {
    kind: 'created',
    requestId: request.requestId,
    browserSecret,
    location: endpointsOf(context.issuer).requestPage(request.requestId),
  };
}

async function knownRequest(requestId: string, ports: OidcPorts): Promise<AuthorizationRequest> {
  const request = await ports.request(requestId);
  if (!request) throw new PageError('request_unknown');
  return request;
}

/** `GET /oauth2/requests/{requestId}`: what the page shows. */
export async function requestPage(requestId: string, ports: OidcPorts) {
  const request = await knownRequest(requestId, ports);
  return { request, state: stateOf(request, ports.now()) };
}

/** `GET /oauth2/requests/{requestId}/status`: what the page polls. */
export async function requestStatus(requestId: string, ports: OidcPorts): Promise<{ state: RequestState }> {
  const request = await ports.request(requestId);
  if (!request) throw new ProblemError('not_found', 'No such authorization request');
  return { state: stateOf(request, ports.now()) };
}

/**
 * A login hint: the resident's registered e-mail address. The request is addressed to the accounts that
 * verified this address and a push goes to their phones. The answer is the same whether or not the
 * address is known, and the limits count every address, known or not, so they tell nothing either.
 */
async function sendLoginHint(
  request: AuthorizationRequest,
  email: string,
  ports: OidcPorts,
  options: { quiet: boolean },
): Promise<void> {
  const now = ports.now();
  const normalised = normaliseEmailAddress(email);
  if (typeof normalised === 'string') {
    if (options.quiet) return;
    throw new ProblemError('invalid_request', 'The e-mail address is not valid', {
      errors: [{ pointer: '/email', detail: `invalid address (${normalised})` }],
    });
  }
  const address = normalised.address.toLowerCase();
  const counted =
    (await ports.countHint(request.requestId, HINTS_PER_REQUEST)) &&
    (await ports.take(`hint#${secretHash(address)}`, HINTS_PER_ADDRESS_PER_HOUR, 3600, now));
  if (!counted) {
    if (options.quiet) return;
    throw new ProblemError('rate_limited', 'Too many sign-in requests for this page or address', {
      retryAfterSeconds: 60,
    });
  }
  for (const accountId of await ports.accountsWithEmail(address)) {
    await ports.address(request, accountId);
    await ports.pushToAccount(accountId, {
      title: 'xID',
      body: `${request.clientName}へのログインを承認してください / Approve signing in to ${request.clientName}`,
      requestId: request.requestId,
    });
  }
}

/** `POST /oauth2/requests/{requestId}/login-hint {email}`. */
export async function loginHint(requestId: string, email: string, ports: OidcPorts) {
  const request = await ports.request(requestId);
  if (!request) throw new ProblemError('not_found', 'No such authorization request');
  if (stateOf(request, ports.now()) !== 'pending') throw new ProblemError('authorization_request_closed');
  await sendLoginHint(request, email, ports, { quiet: false });
  return { requestId, expiresAt: request.expiresAt.toISOString() };
}

/**
 * `GET /oauth2/requests/{requestId}/continue`: only the browser that started the request (its cookie)
 * continues, and only once. Approved: a code, single use, 60 seconds. Denied or expired: `access_denied`.
 * Still pending: back to the page.
 */
export async function continueRequest(
  requestId: string,
  browserSecret: string | undefined,
  issuer: string,
  ports: OidcPorts,
): Promise<{ location: string }> {
  const request = await knownRequest(requestId, ports);
  if (!sameSecret(browserSecret, request.browserHash)) throw new PageError('browser_mismatch');
  const now = ports.now();
  const state = stateOf(request, now);
  const back = (params: Record<string, string>) =>
    redirectWith(request.redirectUri, { ...params, state: request.state, iss: issuer });
  if (state === 'pending') return { location: endpointsOf(issuer).requestPage(requestId) };
  if (state === 'denied')
    return { location: back({ error: 'access_denied', error_description: 'the resident declined' }) };
  if (state === 'expired')
    return { location: back({ error: 'access_denied', error_description: 'the request expired' }) };
  if (request.codeIssuedAt || !request.decision?.sub || !request.decision.grantId)
    throw new PageError('request_completed');
  const code = ports.newSecret();
  const record: AuthorizationCode = {
    codeHash: secretHash(code),
    requestId,
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    nonce: request.nonce,
    accountId: request.decision.accountId,
    sub: request.decision.sub,
    grantId: request.decision.grantId,
    claims: request.claims,
    authTime: request.decision.at,
    expiresAt: new Date(now.getTime() + CODE_TTL_SECONDS * 1000),
  };
  if (!(await ports.issueCode(request, record))) throw new PageError('request_completed');
  return { location: back({ code }) };
}

// ---------------------------------------------------------------------------------------------------------
// The app: pending requests, claim by user code, the decision; what relying parties were given.

function summary(request: AuthorizationRequest) {
  return {
    requestId: request.requestId,
    clientId: request.clientId,
    clientName: request.clientName,
    claims: request.claims,
    userCode: request.userCode,
    expiresAt: request.expiresAt.toISOString(),
  };
}

/** `GET /v1/me/authorization-requests`: the pending requests addressed to the resident. */
export async function pendingRequests(accountId: string, ports: OidcPorts) {
  const now = ports.now();
  const requests = await ports.pendingFor(accountId, now);
  return { items: requests.filter((r) => stateOf(r, now) === 'pending').map(summary) };
}

/** `POST /v1/me/authorization-requests/claim {userCode}`: the resident typed or scanned the page's code. */
export async function claimRequest(accountId: string, userCode: string, ports: OidcPorts) {
  const now = ports.now();
  if (!(await ports.take(`claim#${accountId}`, CLAIMS_PER_ACCOUNT, CLAIM_WINDOW_SECONDS, now)))
    throw new ProblemError('rate_limited', 'Too many user codes tried', {
      retryAfterSeconds: CLAIM_WINDOW_SECONDS,
    });
  const code = normaliseUserCode(userCode);
  const requestId = code ? await ports.requestIdOfUserCode(code) : undefined;
  const request = requestId ? await ports.request(requestId) : undefined;
  if (!request || stateOf(request, now) !== 'pending')
    throw new ProblemError('not_found', 'No pending authorization request has this code');
  await ports.address(request, accountId);
  return summary(request);
}

/** The object the auth key signs for a decision (design.md §3.13). */
export function decisionStatement(
  request: Pick<AuthorizationRequest, 'requestId' | 'clientId' | 'claims'>,
  accountId: string,
  decision: 'approve' | 'deny',
) {
  return {
    type: 'xid/authorization/v1',
    accountId,
    requestId: request.requestId,
    clientId: request.clientId,
    claims: request.claims,
    decision,
  };
}

/**
 * `POST /v1/me/authorization-requests/{requestId}/decision {decision, proof}`: the resident approves or
 * declines with PIN1. An approval computes the pairwise `sub`, records what was given to the relying party
 * and appends an `authorized` activity entry, in one transaction with the request's new state. An account
 * that must re-verify its identity cannot approve: a stale identity is never released.
 */
export async function decide(
  accountId: string,
  requestId: string,
  input: { decision: 'approve' | 'deny'; proof: string },
  ports: OidcPorts,
) {
  const now = ports.now();
  const request = await ports.request(requestId);
  if (!request?.addressedTo.includes(accountId))
    throw new ProblemError('not_found', 'No such authorization request for this account');
  if (stateOf(request, now) !== 'pending') throw new ProblemError('authorization_request_closed');
  const account = await ports.account(accountId);
  if (!account) throw new ProblemError('unauthorized', 'The token names no account');
  if (
    !account.authKey ||
    !verifyProof(input.proof, decisionStatement(request, accountId, input.decision), account.authKey)
  ) {
    // A failed proof changes nothing and locks nothing (design.md §3.6): the firewall limits the address.
    throw new ProblemError('proof_invalid');
  }
  if (input.decision === 'deny') {
    if (!(await ports.recordDecision(request, { kind: 'deny', accountId, at: now })))
      throw new ProblemError('authorization_request_closed');
    return { requestId, state: 'denied' as const };
  }
  if (account.status === 'reverification_required') throw new ProblemError('reverification_required');
  if (account.status !== 'active')
    throw new ProblemError('authorization_request_closed', 'The account is not active');
  const client = await ports.relyingParty(request.clientId);
  if (!client)
    throw new ProblemError('authorization_request_closed', 'The relying party is no longer registered');
  const sub = await ports.pairwiseSubject(client.sector, accountId);
  const previous = await ports.grant(accountId, client.clientId);
  const grant: Grant = {
    accountId,
    clientId: client.clientId,
    clientName: client.name,
    claims: orderedClaims([...(previous?.claims ?? []), ...request.claims]),
    grantId: previous?.grantId ?? ports.newId(),
    firstAuthorizedAt: previous?.firstAuthorizedAt ?? now,
    lastAuthorizedAt: now,
  };
  const recorded = await ports.recordDecision(request, {
    kind: 'approve',
    accountId,
    at: now,
    sub,
    grant,
    activity: {
      type: 'authorized',
      at: now,
      detail: { clientId: client.clientId, clientName: client.name, claims: request.claims },
    },
  });
  if (!recorded) throw new ProblemError('authorization_request_closed');
  return { requestId, state: 'approved' as const };
}

/** `GET /v1/me/authorizations`: what each relying party was given, newest first. */
export async function authorizations(accountId: string, ports: OidcPorts) {
  const grants = await ports.grants(accountId);
  grants.sort((a, b) => b.lastAuthorizedAt.getTime() - a.lastAuthorizedAt.getTime());
  return {
    items: grants.map((g) => ({
      clientId: g.clientId,
      clientName: g.clientName,
      claims: g.claims,
      firstAuthorizedAt: g.firstAuthorizedAt.toISOString(),
      lastAuthorizedAt: g.lastAuthorizedAt.toISOString(),
    })),
  };
}

/** `DELETE /v1/me/authorizations/{clientId}`: the grant goes, and with it every token issued under it. */
export async function revokeAuthorization(
  accountId: string,
  clientId: string,
  ports: OidcPorts,
): Promise<void> {
  if (!(await ports.revokeGrant(accountId, clientId)))
    throw new ProblemError('not_found', 'This relying party has no authorization from the resident');
}

// ---------------------------------------------------------------------------------------------------------
// The relying party: token and userinfo.

/** Authenticates the client of a token request by its `private_key_jwt` assertion (RFC 7523 §2.2). */
async function authenticateClient(
  form: Readonly<Record<string, string>>,
  tokenEndpoint: string,
  ports: OidcPorts,
): Promise<RelyingParty> {
  if (form.client_secret !== undefined)
    throw new OAuthError('invalid_client', 'only private_key_jwt client authentication is accepted');
  if (form.client_assertion_type !== ASSERTION_TYPE || !form.client_assertion)
    throw new OAuthError('invalid_client', 'a private_key_jwt client assertion is required');
  try {
    const jwt = parseJwt(form.client_assertion);
    const clientId = assertedClient(jwt);
    if (form.client_id !== undefined && form.client_id !== clientId)
      throw new AssertionError('client_id and the assertion disagree');
    const client = await ports.relyingParty(clientId);
    if (!client) throw new AssertionError('unknown client');
    if (client.jwks) verifyAssertionSignature(jwt, client.jwks.keys);
    else if (client.jwksUri) {
      try {
        verifyAssertionSignature(jwt, await ports.keysAt(client.jwksUri, false));
      } catch (error) {
        if (!(error instanceof AssertionError)) throw error;
        // The client may have rotated its keys since they were fetched.
        verifyAssertionSignature(jwt, await ports.keysAt(client.jwksUri, true));
      }
    } else throw new AssertionError('the client has no keys');
    const { jti, expiresAt } = checkAssertionClaims(jwt, { clientId, tokenEndpoint, now: ports.now() });
    if (!(await ports.consumeAssertion(clientId, jti, expiresAt)))
      throw new AssertionError('the assertion was used before (jti)');
    return client;
  } catch (error) {
    if (error instanceof AssertionError) throw new OAuthError('invalid_client', error.message);
    throw error;
  }
}

/**
 * The claims to release under a grant, checked at every release: the grant still stands (the same one the
 * code or token was issued under), and the account is active (not gone, not waiting for re-verification).
 */
async function release(
  under: { accountId: string; clientId: string; grantId: string; claims: readonly ClaimName[] },
  error: 'invalid_grant' | 'invalid_token',
  ports: OidcPorts,
) {
  const grant = await ports.grant(under.accountId, under.clientId);
  if (grant?.grantId !== under.grantId)
    throw new OAuthError(error, 'the resident has revoked this authorization');
  const account = await ports.account(under.accountId);
  const identity =
    account?.status === 'active'
      ? await ports.identity(
          under.accountId,
          under.claims.some((c) => SEALED_CLAIMS.includes(c)),
        )
      : undefined;
  if (!identity) throw new OAuthError(error, 'the account cannot release claims now (re-verification)');
  return claimValues(under.claims, identity);
}

/**
 * `POST /oauth2/token` with `grant_type=authorization_code`: the client authenticates, the code is its
 * own, unused, fresh, for this redirect URI and this PKCE verifier; the grant still stands and the
 * account may release. A code that comes back a second time revokes the access token it was redeemed for.
 */
export async function exchangeCode(form: Readonly<Record<string, string>>, issuer: string, ports: OidcPorts) {
  const endpoints = endpointsOf(issuer);
  if (!form.grant_type) throw new OAuthError('invalid_request', 'grant_type is required');
  const client = await authenticateClient(form, endpoints.token, ports);
  if (form.grant_type !== 'authorization_code')
    throw new OAuthError('unsupported_grant_type', 'only authorization_code is supported');
  if (!form.code) throw new OAuthError('invalid_request', 'code is required');
  if (!form.redirect_uri) throw new OAuthError('invalid_request', 'redirect_uri is required');
  if (!form.code_verifier || !CODE_VERIFIER.test(form.code_verifier))
    throw new OAuthError('invalid_request', 'a PKCE code_verifier of 43 to 128 characters is required');
  const now = ports.now();
  const code = await ports.code(secretHash(form.code));
  if (!code || code.clientId !== client.clientId)
    throw new OAuthError('invalid_grant', 'the code is unknown or was issued to another client');
  if (code.usedAt) {
    if (code.accessTokenId) await ports.revokeAccessToken(code.accessTokenId);
    throw new OAuthError('invalid_grant', 'the code was used before; the tokens issued for it are revoked');
  }
  if (code.expiresAt <= now) throw new OAuthError('invalid_grant', 'the code has expired');
  if (code.redirectUri !== form.redirect_uri)
    throw new OAuthError('invalid_grant', 'redirect_uri differs from the authorization request');
  if (!pkceMatches(form.code_verifier, code.codeChallenge))
    throw new OAuthError('invalid_grant', 'the code_verifier does not match the code_challenge');
  const values = await release(code, 'invalid_grant', ports);

  const iat = Math.floor(now.getTime() / 1000);
  const tokenId = ports.newId();
  const idToken = await ports.signJwt('JWT', {
    iss: issuer,
    sub: code.sub,
    aud: client.clientId,
    iat,
    exp: iat + ID_TOKEN_TTL_SECONDS,
    auth_time: Math.floor(code.authTime.getTime() / 1000),
    nonce: code.nonce,
    ...values,
  });
  const accessToken = await ports.signJwt('at+jwt', {
    iss: issuer,
    sub: code.sub,
    aud: endpoints.userinfo,
    client_id: client.clientId,
    scope: 'openid',
    iat,
    nbf: iat,
    exp: iat + ACCESS_TOKEN_TTL_SECONDS,
    jti: tokenId,
  });
  const redeemed = await ports.redeem(
    code,
    {
      tokenId,
      accountId: code.accountId,
      clientId: client.clientId,
      grantId: code.grantId,
      sub: code.sub,
      claims: code.claims,
      expiresAt: new Date((iat + ACCESS_TOKEN_TTL_SECONDS) * 1000),
    },
    now,
  );
  if (!redeemed) {
    // Another exchange won the race for this code: treat this one as the replay it is.
    const again = await ports.code(code.codeHash);
    if (again?.accessTokenId) await ports.revokeAccessToken(again.accessTokenId);
    throw new OAuthError('invalid_grant', 'the code was used before; the tokens issued for it are revoked');
  }
  return {
    access_token: accessToken,
    token_type: 'Bearer' as const,
    expires_in: ACCESS_TOKEN_TTL_SECONDS,
    id_token: idToken,
    scope: 'openid',
  };
}

/** `GET`/`POST /oauth2/userinfo`: the approved claims, while the token and its grant stand. */
export async function userinfo(accessToken: string | undefined, issuer: string, ports: OidcPorts) {
  if (!accessToken) throw new OAuthError('invalid_token', 'a bearer access token is required');
  let jti: string;
  try {
    ({ jti } = await ports.verifyAccessToken(accessToken, {
      issuer,
      audience: endpointsOf(issuer).userinfo,
    }));
  } catch {
    throw new OAuthError('invalid_token', 'the access token is not valid');
  }
  const record = await ports.accessToken(jti);
  if (!record || record.expiresAt <= ports.now())
    throw new OAuthError('invalid_token', 'the access token is revoked');
  return { sub: record.sub, ...(await release(record, 'invalid_token', ports)) };
}
