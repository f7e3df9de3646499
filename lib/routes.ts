import { z } from 'zod';
import { meResponse } from '../functions/account/schemas.ts';
import { activityListQuery, activityResponse } from '../functions/activity/schemas.ts';
import {
  accountIdParameter,
  activationBody,
  jwksResponse,
  sessionBody,
  sessionChallengeBody,
  sessionChallengeResponse,
  tokenResponse,
} from '../functions/auth/schemas.ts';
import { deletionBody } from '../functions/deletion/schemas.ts';
import { healthResponse } from '../functions/health/schemas.ts';
import {
  emailBody,
  emailResendResponse,
  emailResponse,
  verificationTokenParameter,
} from '../functions/mail/schemas.ts';
import {
  municipalityNoticeListResponse,
  municipalityResponse,
  noticeIdParameter,
  noticeItem,
  noticeListQuery,
  noticeListResponse,
  subscriptionBody,
  subscriptionResponse,
} from '../functions/notices/schemas.ts';
import {
  authorizationList,
  authorizationRequestList,
  authorizationRequestSummary,
  authorizeQuery,
  claimBody,
  decisionBody,
  decisionResponse,
  discoveryResponse,
  idParameter,
  loginHintBody,
  loginHintResponse,
  oauthErrorResponse,
  requestStatusResponse,
  tokenEndpointResponse,
  userinfoResponse,
} from '../functions/oidc/schemas.ts';
import { openApiResponse } from '../functions/openapi/schemas.ts';
import { pushBody, pushResponse } from '../functions/push/schemas.ts';
import { recoveryBody } from '../functions/recovery/schemas.ts';
import {
  registrationBody,
  registrationChallengeResponse,
  registrationResponse,
} from '../functions/registration/schemas.ts';
import { reverificationBody, reverificationResponse } from '../functions/reverification/schemas.ts';
import type { ProblemCode } from '../functions/shared/problems.ts';
import { municipalityCode } from '../functions/shared/schemas.ts';
import { stepUpChallengeResponse } from '../functions/step-up/schemas.ts';
import { documentParameter, termsResponse } from '../functions/terms/schemas.ts';
import type { FunctionSpec } from './bindings.ts';

/**
 * The route table: every API route, the function that serves it and what that function may touch. The Api
 * stack builds API Gateway resources, methods, request models and least-privilege functions from it; the
 * local runtime matches requests and invokes the same handlers from it. Nothing else lists routes.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Groups of routes with a per-client-address rate rule of their own (WAF in AWS, the local gateway locally;
 * limits per stage in `config/stages.ts`): what a stranger could try in bulk, and Sign in with xID's public
 * pages, which the API-wide rule leaves out (a waiting sign-in page polls its status every 2 seconds).
 */
export const WAF_GROUPS = [
  'proofs',
  'challenges',
  'registrations',
  'mail',
  'emailLinks',
  'signInPages',
  'loginHint',
] as const;
/** The groups the API-wide rule leaves to their own rule. */
export const WAF_OWN_RULE_ONLY: readonly WafGroup[] = ['signInPages', 'loginHint'];
export type WafGroup = (typeof WAF_GROUPS)[number];

export interface Route extends FunctionSpec {
  method: HttpMethod;
  /** API Gateway path template, e.g. `/v1/terms/{document}`. */
  path: string;
  /** `public` routes need no token; `resident` routes need the Lambda authorizer's approval. */
  auth: 'public' | 'resident';
  /** JSON body schema; API Gateway validates against it first, the handler again. */
  body?: z.ZodType;
  /** Schema of the success response body (JSON routes), for the API contract and response checks. */
  response?: z.ZodType;
  /** Status of that JSON success; 200 unless stated. */
  status?: 201 | 202;
  /** Answers that are neither the JSON success nor a problem document: a text, a page, 204, 304. */
  answers?: Readonly<Record<number, Answer>>;
  /** Schemas of the path template's parameters, by name (every `{name}` of `path` has one). */
  params?: Readonly<Record<string, z.ZodType>>;
  /** Schemas of the query parameters, by name; all optional. */
  query?: Readonly<Record<string, z.ZodType>>;
  /**
   * Problem codes this route's own function may answer with, beyond those every route may (the gateway's
   * and the shared middleware's, see `lib/openapi/document.ts`) and `unauthorized` on resident routes.
   * A unit test follows the calls from the handler and fails when a code it can throw is missing here.
   */
  problems?: readonly ProblemCode[];
  /** The per-address rate rule the route falls under (see `WAF_GROUPS`). */
  waf?: WafGroup;
}

/** An answer that is not JSON: its media type (none for 204 and 304), and the headers that matter. */
export interface Answer {
  description: string;
  mediaType?: string;
  headers?: Readonly<Record<string, string>>;
  /** The body's schema, for a JSON answer that is not a problem document (the OAuth errors). */
  schema?: z.ZodType;
}

const LEGAL_TEXTS = 'functions/terms/legal';
const MUNICIPALITY_DATA = 'functions/municipality/data';

/** What a card-signed statement may be refused with (registration and recovery check it alike). */
const CARD_STATEMENT_PROBLEMS: readonly ProblemCode[] = [
  'challenge_invalid',
  'statement_mismatch',
  'certificate_malformed',
  'certificate_untrusted',
  'certificate_expired',
  'certificate_not_yet_valid',
  'certificate_profile',
  'certificate_revoked',
  'revocation_unavailable',
  'signature_invalid',
];

const TERMS_HEADERS = {
  ETag: 'The SHA-256 of the text, quoted; send it back as If-None-Match',
  'Cache-Control': 'public, no-cache',
  'X-Document-Version': 'The version of the text',
};

/** Where the sign-in pages send the browser, and the request cookie they set. */
const SIGN_IN_REDIRECT = {
  Location: 'Where the browser goes',
  'Set-Cookie':
    'xid-request-{requestId} (__Host- on https): binds the request to this browser, HttpOnly, SameSite=Lax',
};

const USERINFO_REFUSED: Readonly<Record<number, Answer>> = {
  401: {
    description: 'invalid_token (RFC 6750 §3), with WWW-Authenticate: Bearer error="invalid_token"',
    mediaType: 'application/json',
    schema: oauthErrorResponse,
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="…"' },
  },
};

export const ROUTES: readonly Route[] = [
  {
    id: 'getHealth',
    method: 'GET',
    path: '/v1/health',
    entry: 'functions/health/handler.ts',
    handler: 'handler',
    auth: 'public',
    response: healthResponse,
    binds: {},
    description: 'Liveness',
  },
  {
    id: 'getTerms',
    method: 'GET',
    path: '/v1/terms',
    entry: 'functions/terms/handler.ts',
    handler: 'getTerms',
    auth: 'public',
    response: termsResponse,
    binds: {},
    assets: [LEGAL_TEXTS],
    description: 'Current terms-of-use and privacy-policy versions and digests',
  },
  {
    id: 'getTermsDocument',
    method: 'GET',
    path: '/v1/terms/{document}',
    entry: 'functions/terms/handler.ts',
    handler: 'getTermsDocument',
    auth: 'public',
    params: { document: documentParameter },
    answers: {
      200: {
        description: 'The text, byte for byte what the published SHA-256 covers',
        mediaType: 'text/markdown',
        headers: TERMS_HEADERS,
      },
      304: { description: 'The copy named by If-None-Match is current', headers: TERMS_HEADERS },
    },
    problems: ['not_found'],
    binds: {},
    assets: [LEGAL_TEXTS],
    description: 'The text of a legal document',
  },
  {
    id: 'postRegistrationChallenge',
    method: 'POST',
    path: '/v1/registration/challenges',
    entry: 'functions/registration/handler.ts',
    handler: 'postChallenge',
    auth: 'public',
    response: registrationChallengeResponse,
    status: 201,
    waf: 'challenges',
    binds: { challengeKey: true },
    assets: [LEGAL_TEXTS, MUNICIPALITY_DATA],
    description: 'A single-use nonce for the registration statement',
  },
  {
    id: 'postRegistration',
    method: 'POST',
    path: '/v1/registrations',
    entry: 'functions/registration/handler.ts',
    handler: 'postRegistration',
    auth: 'public',
    body: registrationBody,
    response: registrationResponse,
    status: 201,
    problems: [...CARD_STATEMENT_PROBLEMS, 'consent_required', 'municipality_unknown', 'already_registered'],
    waf: 'registrations',
    binds: { table: 'readWrite', dataKey: 'encrypt', jpki: true, challengeKey: true },
    assets: [LEGAL_TEXTS, MUNICIPALITY_DATA],
    description: 'Registration with the card-signed statement',
  },
  {
    id: 'postRecovery',
    method: 'POST',
    path: '/v1/recoveries',
    entry: 'functions/recovery/handler.ts',
    handler: 'postRecovery',
    auth: 'public',
    body: recoveryBody,
    response: registrationResponse,
    problems: [...CARD_STATEMENT_PROBLEMS, 'account_not_found', 'account_changed'],
    waf: 'registrations',
    binds: { table: 'readWrite', jpki: true, push: true, mail: true, challengeKey: true },
    assets: [LEGAL_TEXTS],
    description: 'A new phone, a lost phone, forgotten PINs: new device keys with the card',
  },
  {
    id: 'postActivation',
    method: 'POST',
    path: '/v1/accounts/{accountId}/activation',
    entry: 'functions/auth/handler.ts',
    handler: 'postActivation',
    auth: 'public',
    params: { accountId: accountIdParameter },
    body: activationBody,
    response: tokenResponse,
    problems: [
      'not_found',
      'already_active',
      'reverification_required',
      'challenge_invalid',
      'proof_invalid',
    ],
    waf: 'proofs',
    binds: { table: 'readWrite', tokenKey: 'sign' },
    description: 'Activation with the auth and sign device keys (PIN1, PIN2)',
  },
  {
    id: 'postSessionChallenge',
    method: 'POST',
    path: '/v1/sessions/challenges',
    entry: 'functions/auth/handler.ts',
    handler: 'postSessionChallenge',
    auth: 'public',
    body: sessionChallengeBody,
    response: sessionChallengeResponse,
    status: 201,
    waf: 'challenges',
    binds: { challengeKey: true },
    description: 'A nonce for a later login',
  },
  {
    id: 'postSession',
    method: 'POST',
    path: '/v1/sessions',
    entry: 'functions/auth/handler.ts',
    handler: 'postSession',
    auth: 'public',
    body: sessionBody,
    response: tokenResponse,
    problems: ['challenge_invalid', 'proof_invalid'],
    waf: 'proofs',
    binds: { table: 'readWrite', tokenKey: 'sign', challengeKey: true },
    description: 'Login with the auth device key',
  },
  {
    id: 'getMe',
    method: 'GET',
    path: '/v1/me',
    entry: 'functions/account/handler.ts',
    handler: 'getMe',
    auth: 'resident',
    response: meResponse,
    binds: { table: 'read', dataKey: 'decrypt', tokenKey: 'verify' },
    description: "The resident's own record",
  },
  {
    id: 'postStepUpChallenge',
    method: 'POST',
    path: '/v1/me/challenges',
    entry: 'functions/step-up/handler.ts',
    handler: 'postStepUpChallenge',
    auth: 'resident',
    response: stepUpChallengeResponse,
    status: 201,
    binds: { table: 'readWrite', tokenKey: 'verify' },
    description: 'A challenge for a sign-key (PIN2) proof',
  },
  {
    id: 'postReverification',
    method: 'POST',
    path: '/v1/me/reverification',
    entry: 'functions/reverification/handler.ts',
    handler: 'postReverification',
    auth: 'resident',
    body: reverificationBody,
    response: reverificationResponse,
    problems: [
      ...CARD_STATEMENT_PROBLEMS,
      'conflict',
      'proof_invalid',
      'municipality_unknown',
      'certificate_unchanged',
      'already_registered',
      'identity_mismatch',
    ],
    binds: {
      table: 'readWrite',
      dataKey: 'decrypt',
      tokenKey: 'verify',
      jpki: true,
      linkage: true,
      push: true,
    },
    description: 'Re-verification with the new card after a move, a name change or a renewal',
  },
  {
    id: 'deleteMe',
    method: 'DELETE',
    path: '/v1/me',
    entry: 'functions/deletion/handler.ts',
    handler: 'deleteMe',
    auth: 'resident',
    body: deletionBody,
    answers: {
      204: { description: 'The account is deleted; only a tombstone that refuses its tokens is left' },
    },
    problems: ['challenge_invalid', 'proof_invalid', 'account_changed'],
    binds: { table: 'readWrite', tokenKey: 'verify', push: true },
    description: 'Delete the account (crypto-shredding), with a sign proof (PIN2)',
  },
  {
    id: 'getActivity',
    method: 'GET',
    path: '/v1/me/activity',
    entry: 'functions/activity/handler.ts',
    handler: 'getActivity',
    auth: 'resident',
    query: activityListQuery,
    response: activityResponse,
    binds: { table: 'read', tokenKey: 'verify' },
    description: "The resident's activity log, newest first",
  },
  {
    id: 'putEmail',
    method: 'PUT',
    path: '/v1/me/email',
    entry: 'functions/mail/handler.ts',
    handler: 'putEmail',
    auth: 'resident',
    body: emailBody,
    response: emailResponse,
    status: 202,
    problems: ['mail_unavailable'],
    waf: 'mail',
    binds: { table: 'readWrite', mail: true, tokenKey: 'verify' },
    description: 'Set the e-mail address and send the confirmation mail',
  },
  {
    id: 'postEmailResend',
    method: 'POST',
    path: '/v1/me/email/resend',
    entry: 'functions/mail/handler.ts',
    handler: 'postEmailResend',
    auth: 'resident',
    response: emailResendResponse,
    status: 202,
    problems: ['email_not_pending', 'mail_unavailable'],
    waf: 'mail',
    binds: { table: 'readWrite', mail: true, tokenKey: 'verify' },
    description: 'Send the confirmation mail again',
  },
  {
    id: 'getEmailVerification',
    method: 'GET',
    path: '/v1/email-verifications/{token}',
    entry: 'functions/mail/handler.ts',
    handler: 'getEmailVerification',
    auth: 'public',
    params: { token: verificationTokenParameter },
    answers: {
      200: { description: 'Confirmed: a page in Japanese and English', mediaType: 'text/html' },
      404: { description: 'Unknown or tampered link: a page', mediaType: 'text/html' },
      409: { description: 'The link was used already: a page', mediaType: 'text/html' },
      410: { description: 'Expired, or replaced by a newer link: a page', mediaType: 'text/html' },
    },
    waf: 'emailLinks',
    binds: { emailVerification: true },
    description: 'The confirmation link of the mail',
  },
  {
    id: 'putPush',
    method: 'PUT',
    path: '/v1/me/push',
    entry: 'functions/push/handler.ts',
    handler: 'putPush',
    auth: 'resident',
    body: pushBody,
    response: pushResponse,
    problems: ['platform_unavailable', 'push_token_in_use'],
    binds: { table: 'readWrite', tokenKey: 'verify', push: true },
    description: "The device's push endpoint",
  },
  {
    id: 'deletePush',
    method: 'DELETE',
    path: '/v1/me/push',
    entry: 'functions/push/handler.ts',
    handler: 'deletePush',
    auth: 'resident',
    answers: {
      204: { description: 'The device is signed out for push; its token is free for another account' },
    },
    binds: { table: 'readWrite', tokenKey: 'verify', push: true },
    description: "Release the device's push endpoint (sign-out on this device)",
  },
  {
    id: 'getMunicipality',
    method: 'GET',
    path: '/v1/me/municipality',
    entry: 'functions/notices/handler.ts',
    handler: 'getMunicipality',
    auth: 'resident',
    response: municipalityResponse,
    binds: { table: 'read', tokenKey: 'verify' },
    assets: [LEGAL_TEXTS],
    description: 'The municipality of the address on the card',
  },
  {
    id: 'putNoticeSubscription',
    method: 'PUT',
    path: '/v1/me/notice-subscription',
    entry: 'functions/notices/handler.ts',
    handler: 'putSubscription',
    auth: 'resident',
    body: subscriptionBody,
    response: subscriptionResponse,
    problems: ['consent_required', 'municipality_not_onboarded', 'push_not_registered'],
    binds: { table: 'readWrite', tokenKey: 'verify', push: true },
    assets: [LEGAL_TEXTS],
    description: "Subscribe the device to the municipality's notices",
  },
  {
    id: 'deleteNoticeSubscription',
    method: 'DELETE',
    path: '/v1/me/notice-subscription',
    entry: 'functions/notices/handler.ts',
    handler: 'deleteSubscription',
    auth: 'resident',
    answers: { 204: { description: 'The pushes stopped (or there were none); the notices stay readable' } },
    binds: { table: 'readWrite', tokenKey: 'verify', push: true },
    assets: [LEGAL_TEXTS],
    description: 'Stop the pushes',
  },
  {
    id: 'getNotices',
    method: 'GET',
    path: '/v1/me/notices',
    entry: 'functions/notices/handler.ts',
    handler: 'getNotices',
    auth: 'resident',
    query: noticeListQuery,
    response: noticeListResponse,
    binds: { table: 'read', tokenKey: 'verify' },
    assets: [LEGAL_TEXTS],
    description: "The municipality's notices, newest first",
  },
  {
    id: 'getNotice',
    method: 'GET',
    path: '/v1/me/notices/{noticeId}',
    entry: 'functions/notices/handler.ts',
    handler: 'getNotice',
    auth: 'resident',
    params: { noticeId: noticeIdParameter },
    response: noticeItem,
    problems: ['not_found'],
    binds: { table: 'read', tokenKey: 'verify' },
    assets: [LEGAL_TEXTS],
    description: 'One notice of the municipality: where the deep link xid://notices/{noticeId} leads',
  },
  {
    id: 'getMunicipalityNotices',
    method: 'GET',
    path: '/v1/municipalities/{code}/notices',
    entry: 'functions/notices/handler.ts',
    handler: 'getMunicipalityNotices',
    auth: 'public',
    params: { code: municipalityCode },
    query: noticeListQuery,
    response: municipalityNoticeListResponse,
    problems: ['not_found'],
    binds: { publicNotices: true },
    assets: [LEGAL_TEXTS],
    description: "A municipality's notices, newest first, for anyone (behind the CDN)",
  },
  {
    id: 'getJwks',
    method: 'GET',
    path: '/.well-known/jwks.json',
    entry: 'functions/auth/handler.ts',
    handler: 'getJwks',
    auth: 'public',
    response: jwksResponse,
    binds: { tokenKey: 'verify' },
    description: 'Public keys of the access tokens',
  },
  {
    id: 'getOpenApi',
    method: 'GET',
    path: '/v1/openapi.json',
    entry: 'functions/openapi/handler.ts',
    handler: 'getOpenApi',
    auth: 'public',
    response: openApiResponse,
    binds: {},
    description:
      'This API as an OpenAPI 3.1 document (docs/openapi.json), its server set to the address asked',
  },
  {
    id: 'getOpenIdConfiguration',
    method: 'GET',
    path: '/.well-known/openid-configuration',
    entry: 'functions/oidc/handler.ts',
    handler: 'getOpenIdConfiguration',
    auth: 'public',
    response: discoveryResponse,
    binds: {},
    description: 'OpenID Connect discovery of Sign in with xID',
  },
  {
    id: 'getAuthorize',
    method: 'GET',
    path: '/oauth2/authorize',
    entry: 'functions/oidc/handler.ts',
    handler: 'getAuthorize',
    auth: 'public',
    query: authorizeQuery,
    answers: {
      303: {
        description:
          'To the request page (with the cookie that binds it to this browser), or back to the redirect URI with error, error_description, state and iss',
        headers: SIGN_IN_REDIRECT,
      },
      400: {
        description: 'A page (ja/en): no or an unknown client, a redirect URI that is not registered',
        mediaType: 'text/html',
      },
    },
    binds: { table: 'readWrite', devicePush: true },
    waf: 'signInPages',
    description: 'OpenID Connect authorization endpoint: checks the request, opens the request page',
  },
  {
    id: 'getAuthorizationRequestPage',
    method: 'GET',
    path: '/oauth2/requests/{requestId}',
    entry: 'functions/oidc/handler.ts',
    handler: 'getRequestPage',
    auth: 'public',
    params: { requestId: idParameter },
    query: { lang: z.enum(['ja', 'en']).describe('The page language') },
    answers: {
      200: {
        description: 'The page (ja/en): relying party, claims, user code, QR code',
        mediaType: 'text/html',
      },
      303: {
        description: 'The request is decided or expired: on to continue',
        headers: { Location: 'continue' },
      },
      404: { description: 'A page: no such request', mediaType: 'text/html' },
    },
    binds: { table: 'read' },
    waf: 'signInPages',
    description: 'The page a sign-in waits on: relying party, claims, user code and QR code',
  },
  {
    id: 'getAuthorizationRequestStatus',
    method: 'GET',
    path: '/oauth2/requests/{requestId}/status',
    entry: 'functions/oidc/handler.ts',
    handler: 'getRequestStatus',
    auth: 'public',
    params: { requestId: idParameter },
    response: requestStatusResponse,
    problems: ['not_found'],
    binds: { table: 'read' },
    waf: 'signInPages',
    description: 'The state of a sign-in request, polled by its page',
  },
  {
    id: 'postLoginHint',
    method: 'POST',
    path: '/oauth2/requests/{requestId}/login-hint',
    entry: 'functions/oidc/handler.ts',
    handler: 'postLoginHint',
    auth: 'public',
    params: { requestId: idParameter },
    body: loginHintBody,
    response: loginHintResponse,
    status: 202,
    problems: ['invalid_request', 'not_found', 'rate_limited', 'authorization_request_closed'],
    binds: { table: 'readWrite', devicePush: true },
    waf: 'loginHint',
    description: 'The e-mail address of the resident to notify; answered the same whether known or not',
  },
  {
    id: 'getAuthorizationRequestContinue',
    method: 'GET',
    path: '/oauth2/requests/{requestId}/continue',
    entry: 'functions/oidc/handler.ts',
    handler: 'getRequestContinue',
    auth: 'public',
    params: { requestId: idParameter },
    answers: {
      303: {
        description:
          'To the redirect URI with code, state and iss (approved), with error=access_denied (declined, expired), or back to the page (pending)',
        headers: { Location: 'Where the browser goes' },
      },
      403: { description: 'A page: not the browser that started the sign-in', mediaType: 'text/html' },
      404: { description: 'A page: no such request', mediaType: 'text/html' },
      409: {
        description: 'A page: the request went back to the relying party before',
        mediaType: 'text/html',
      },
    },
    binds: { table: 'readWrite' },
    waf: 'signInPages',
    description: 'Back to the relying party with a code, or with access_denied',
  },
  {
    id: 'postToken',
    method: 'POST',
    path: '/oauth2/token',
    entry: 'functions/oidc/handler.ts',
    handler: 'postToken',
    auth: 'public',
    response: tokenEndpointResponse,
    answers: {
      400: {
        description: 'invalid_request, invalid_grant, unsupported_grant_type (RFC 6749 §5.2)',
        mediaType: 'application/json',
        schema: oauthErrorResponse,
      },
      401: {
        description: 'invalid_client: the client assertion is missing or does not hold',
        mediaType: 'application/json',
        schema: oauthErrorResponse,
      },
    },
    binds: { table: 'readWrite', dataKey: 'decrypt', tokenKey: 'sign' },
    description:
      'OpenID Connect token endpoint (application/x-www-form-urlencoded: authorization code, PKCE, private_key_jwt)',
  },
  {
    id: 'getUserinfo',
    method: 'GET',
    path: '/oauth2/userinfo',
    entry: 'functions/oidc/handler.ts',
    handler: 'getUserinfo',
    auth: 'public',
    response: userinfoResponse,
    answers: USERINFO_REFUSED,
    binds: { table: 'read', dataKey: 'decrypt', tokenKey: 'verify' },
    description: 'OpenID Connect userinfo: the approved claims',
  },
  {
    id: 'postUserinfo',
    method: 'POST',
    path: '/oauth2/userinfo',
    entry: 'functions/oidc/handler.ts',
    handler: 'postUserinfo',
    auth: 'public',
    response: userinfoResponse,
    answers: USERINFO_REFUSED,
    binds: { table: 'read', dataKey: 'decrypt', tokenKey: 'verify' },
    description: 'OpenID Connect userinfo: the approved claims',
  },
  {
    id: 'getAuthorizationRequests',
    method: 'GET',
    path: '/v1/me/authorization-requests',
    entry: 'functions/oidc/handler.ts',
    handler: 'getAuthorizationRequests',
    auth: 'resident',
    response: authorizationRequestList,
    binds: { table: 'read', tokenKey: 'verify' },
    description: 'The sign-in requests addressed to the resident',
  },
  {
    id: 'postAuthorizationRequestClaim',
    method: 'POST',
    path: '/v1/me/authorization-requests/claim',
    entry: 'functions/oidc/handler.ts',
    handler: 'postAuthorizationRequestClaim',
    auth: 'resident',
    body: claimBody,
    response: authorizationRequestSummary,
    problems: ['not_found', 'rate_limited'],
    binds: { table: 'readWrite', tokenKey: 'verify' },
    description: 'Take a sign-in request by the user code its page shows',
  },
  {
    id: 'postAuthorizationDecision',
    method: 'POST',
    path: '/v1/me/authorization-requests/{requestId}/decision',
    entry: 'functions/oidc/handler.ts',
    handler: 'postAuthorizationDecision',
    auth: 'resident',
    params: { requestId: idParameter },
    body: decisionBody,
    response: decisionResponse,
    problems: ['not_found', 'proof_invalid', 'reverification_required', 'authorization_request_closed'],
    binds: { table: 'readWrite', tokenKey: 'verify', pairwiseKey: true },
    description: 'Approve or decline a sign-in request with the auth key (PIN1)',
  },
  {
    id: 'getAuthorizations',
    method: 'GET',
    path: '/v1/me/authorizations',
    entry: 'functions/oidc/handler.ts',
    handler: 'getAuthorizations',
    auth: 'resident',
    response: authorizationList,
    binds: { table: 'read', tokenKey: 'verify' },
    description: 'What each relying party was given',
  },
  {
    id: 'deleteAuthorization',
    method: 'DELETE',
    path: '/v1/me/authorizations/{clientId}',
    entry: 'functions/oidc/handler.ts',
    handler: 'deleteAuthorization',
    auth: 'resident',
    params: { clientId: idParameter },
    answers: { 204: { description: "The relying party's grant and its tokens are revoked" } },
    problems: ['not_found'],
    binds: { table: 'readWrite', tokenKey: 'verify' },
    description: "Revoke a relying party's access and its tokens",
  },
];

/** The path template as a matcher, e.g. `/v1/terms/{document}` → `{ document }`. */
export function matchPath(template: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const match = new RegExp(`^${pattern}$`).exec(path);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  names.forEach((name, i) => {
    params[name] = decodeURIComponent(match[i + 1] ?? '');
  });
  return params;
}
