import type { z } from 'zod';
import { meResponse } from '../functions/account/schemas.ts';
import { activationBody, sessionBody, sessionChallengeBody } from '../functions/auth/schemas.ts';
import { emailBody } from '../functions/mail/schemas.ts';
import { subscriptionBody } from '../functions/notices/schemas.ts';
import { pushBody } from '../functions/push/schemas.ts';
import { registrationBody } from '../functions/registration/schemas.ts';
import { termsResponse } from '../functions/terms/schemas.ts';
import type { FunctionSpec } from './bindings.ts';

/**
 * The route table: every API route, the function that serves it and what that function may touch. The Api
 * stack builds API Gateway resources, methods, request models and least-privilege functions from it; the
 * local runtime matches requests and invokes the same handlers from it. Nothing else lists routes.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

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
}

const LEGAL_TEXTS = 'functions/terms/legal';

export const ROUTES: readonly Route[] = [
  {
    id: 'getHealth',
    method: 'GET',
    path: '/v1/health',
    entry: 'functions/health/handler.ts',
    handler: 'handler',
    auth: 'public',
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
    binds: { table: 'write' },
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
    binds: { table: 'readWrite', dataKey: 'encrypt', jpki: true },
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
    body: activationBody,
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
    binds: { table: 'write' },
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
    binds: { table: 'readWrite', tokenKey: 'sign' },
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
    binds: { table: 'readWrite' },
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
    binds: { table: 'read', tokenKey: 'verify' },
    assets: [LEGAL_TEXTS],
    description: "The municipality's notices, newest first",
  },
  {
    id: 'getJwks',
    method: 'GET',
    path: '/.well-known/jwks.json',
    entry: 'functions/auth/handler.ts',
    handler: 'getJwks',
    auth: 'public',
    binds: { tokenKey: 'verify' },
    description: 'Public keys of the access tokens',
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
