import type { z } from 'zod';
import { meResponse } from '../functions/account/schemas.ts';
import {
  accountIdParameter,
  activationBody,
  jwksResponse,
  sessionBody,
  sessionChallengeBody,
  sessionChallengeResponse,
  tokenResponse,
} from '../functions/auth/schemas.ts';
import { healthResponse } from '../functions/health/schemas.ts';
import {
  emailBody,
  emailResendResponse,
  emailResponse,
  verificationTokenParameter,
} from '../functions/mail/schemas.ts';
import {
  municipalityResponse,
  noticeIdParameter,
  noticeItem,
  noticeListQuery,
  noticeListResponse,
  subscriptionBody,
  subscriptionResponse,
} from '../functions/notices/schemas.ts';
import { openApiResponse } from '../functions/openapi/schemas.ts';
import { pushBody, pushResponse } from '../functions/push/schemas.ts';
import {
  registrationBody,
  registrationChallengeResponse,
  registrationResponse,
} from '../functions/registration/schemas.ts';
import type { ProblemCode } from '../functions/shared/problems.ts';
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
 * limits per stage in `config/stages.ts`): what a stranger could try in bulk.
 */
export const WAF_GROUPS = ['proofs', 'challenges', 'registrations', 'mail', 'emailLinks'] as const;
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
  /** The per-address rate rule the route falls under, beside the API-wide one. */
  waf?: WafGroup;
}

/** An answer that is not JSON: its media type (none for 204 and 304), and the headers that matter. */
export interface Answer {
  description: string;
  mediaType?: string;
  headers?: Readonly<Record<string, string>>;
}

const LEGAL_TEXTS = 'functions/terms/legal';

const TERMS_HEADERS = {
  ETag: 'The SHA-256 of the text, quoted; send it back as If-None-Match',
  'Cache-Control': 'public, no-cache',
  'X-Document-Version': 'The version of the text',
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
    assets: [LEGAL_TEXTS],
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
    problems: [
      'challenge_invalid',
      'statement_mismatch',
      'consent_required',
      'certificate_malformed',
      'certificate_untrusted',
      'certificate_expired',
      'certificate_not_yet_valid',
      'certificate_profile',
      'certificate_revoked',
      'revocation_unavailable',
      'signature_invalid',
      'municipality_unknown',
      'already_registered',
    ],
    waf: 'registrations',
    binds: { table: 'readWrite', dataKey: 'encrypt', jpki: true, challengeKey: true },
    assets: [LEGAL_TEXTS],
    description: 'Registration with the card-signed statement',
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
    problems: ['platform_unavailable'],
    binds: { table: 'readWrite', tokenKey: 'verify', push: true },
    description: "The device's push endpoint",
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
