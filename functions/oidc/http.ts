import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { apiHandler } from '../shared/http/api.ts';
import { header } from '../shared/http/middleware.ts';
import { json } from '../shared/http/response.ts';
import { localeOf } from './authorize.ts';
import { OAuthError, PageError } from './errors.ts';
import { ERROR_PAGE_CSP, errorPageHtml, type Locale, REQUEST_PAGE_CSP } from './page.ts';
import { idParameter } from './schemas.ts';

/**
 * How Sign in with xID answers over HTTP, beside the house problem documents: pages (and their errors as
 * pages), redirects, the request cookie, and the OAuth error shapes of the token and userinfo endpoints.
 */
const HTML = 'text/html; charset=utf-8';

export const redirect = (location: string, headers: Record<string, string> = {}): APIGatewayProxyResult => ({
  statusCode: 303,
  headers: { Location: location, ...headers },
  body: '',
});

export const requestPageResponse = (html: string): APIGatewayProxyResult => ({
  statusCode: 200,
  headers: { 'Content-Type': HTML, 'Content-Security-Policy': REQUEST_PAGE_CSP },
  body: html,
});

export function errorPage(error: PageError, locale: Locale): APIGatewayProxyResult {
  const { status, html } = errorPageHtml(error.code, locale);
  return {
    statusCode: status,
    headers: { 'Content-Type': HTML, 'Content-Security-Policy': ERROR_PAGE_CSP },
    body: html,
  };
}

/** The page language: `lang` or `ui_locales` in the query, else `Accept-Language`, else Japanese. */
export const pageLocale = (event: APIGatewayProxyEvent) =>
  localeOf(
    event.queryStringParameters?.lang ?? event.queryStringParameters?.ui_locales,
    header(event, 'accept-language'),
  );

/** The cookie that binds a request to the browser that started it: `__Host-` and Secure wherever https is. */
export const cookieName = (issuer: string, requestId: string) =>
  `${issuer.startsWith('https://') ? '__Host-' : ''}xid-request-${requestId}`;

export function requestCookie(
  issuer: string,
  requestId: string,
  secret: string,
  maxAgeSeconds: number,
): string {
  const secure = issuer.startsWith('https://') ? '; Secure' : '';
  return `${cookieName(issuer, requestId)}=${secret}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure}`;
}

export function cookie(event: APIGatewayProxyEvent, name: string): string | undefined {
  for (const part of (header(event, 'cookie') ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/** The request id of a page route; an id that cannot be one is an unknown request. */
export function pageRequestId(event: APIGatewayProxyEvent): string {
  const parsed = idParameter.safeParse(event.pathParameters?.requestId);
  if (!parsed.success) throw new PageError('request_unknown');
  return parsed.data;
}

/** A page route: its errors are a page in the resident's language. */
export const pageRoute = (fn: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>) =>
  apiHandler({}, async ({ event }) => {
    try {
      return await fn(event);
    } catch (error) {
      if (error instanceof PageError) return errorPage(error, pageLocale(event));
      throw error;
    }
  });

/** A token or userinfo route: its errors in the OAuth shapes (RFC 6749 §5.2, RFC 6750 §3). */
export const oauthRoute = (fn: (event: APIGatewayProxyEvent) => Promise<unknown>) =>
  apiHandler({ rawBody: true }, async ({ event }) => {
    try {
      return json(200, await fn(event), { Pragma: 'no-cache' });
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      const challenge: Record<string, string> =
        error.error === 'invalid_token'
          ? { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${error.description}"` }
          : {};
      return json(
        error.status,
        { error: error.error, error_description: error.description },
        { Pragma: 'no-cache', ...challenge },
      );
    }
  });

/** The form of a token request: `application/x-www-form-urlencoded`, no parameter twice. */
export function tokenForm(event: APIGatewayProxyEvent): Record<string, string> {
  const type = (header(event, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded')
    throw new OAuthError('invalid_request', 'the body must be application/x-www-form-urlencoded');
  const raw = event.isBase64Encoded
    ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
    : (event.body ?? '');
  const form: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(raw)) {
    if (name in form) throw new OAuthError('invalid_request', `${name} is repeated`);
    form[name] = value;
  }
  return form;
}

/** The bearer token of a userinfo request. */
export const bearerToken = (event: APIGatewayProxyEvent) =>
  /^Bearer ([A-Za-z0-9_.-]+)$/.exec(header(event, 'authorization') ?? '')?.[1];
