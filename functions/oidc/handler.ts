import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { accountStore } from '../adapters/account-store.ts';
import { keysAt } from '../adapters/client-keys.ts';
import { deviceStore } from '../adapters/device-store.ts';
import { envelope } from '../adapters/envelope.ts';
import { oidcStore } from '../adapters/oidc-store.ts';
import { pairwiseSubjects } from '../adapters/pairwise.ts';
import { publishToEndpoint } from '../adapters/push.ts';
import { checkTokenFor, signClaims } from '../adapters/token-keys.ts';
import { FAILURE_WINDOW_SECONDS } from '../auth/use-cases.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { apiHandler } from '../shared/http/api.ts';
import { publicBaseUrl } from '../shared/http/base-url.ts';
import { header } from '../shared/http/middleware.ts';
import { json } from '../shared/http/response.ts';
import { logger } from '../shared/powertools.ts';
import { localeOf } from './authorize.ts';
import { newUserCode } from './codes.ts';
import { OAuthError, PageError } from './errors.ts';
import { ERROR_PAGE_CSP, errorPageHtml, type Locale, REQUEST_PAGE_CSP, requestPageHtml } from './page.ts';
import type { OidcPorts } from './ports.ts';
import { approvalPush } from './push-payload.ts';
import { idParameter, loginHintBody } from './schemas.ts';
import {
  ACCESS_TOKEN_TTL_SECONDS,
  authorize,
  continueRequest,
  exchangeCode,
  loginHint,
  REQUEST_TTL_SECONDS,
  requestPage,
  requestStatus,
  userinfo,
} from './use-cases.ts';

const tableName = required(ENV.tableName);
const store = oidcStore(tableName, {
  openFields: (accountId, wrapped, sealed) =>
    envelope(required(ENV.dataKeyId)).openFields(accountId, wrapped, sealed),
});
const accounts = accountStore(tableName);

/** The ports of every Sign in with xID route; a route is bound only to what its use case reaches. */
export const ports: OidcPorts = {
  ...store,
  now: () => new Date(),
  newId: randomUUID,
  newSecret: () => randomBytes(32).toString('base64url'),
  newUserCode: () => newUserCode(randomInt),
  proofFailures: (accountId, now) => accounts.failures(accountId, now),
  recordProofFailure: (accountId, now) => accounts.recordFailure(accountId, now, FAILURE_WINDOW_SECONDS),
  pushToAccount: async (accountId, message) => {
    try {
      const device = await deviceStore(tableName).device(accountId);
      if (device?.enabled) await publishToEndpoint(device.endpointArn, approvalPush(message));
    } catch (error) {
      // Best effort: the app lists its pending requests anyway, and the answer must not depend on it.
      logger.warn('approval push failed', error instanceof Error ? error : new Error(String(error)));
    }
  },
  signJwt: (typ, claims) => signClaims(typ, claims),
  verifyAccessToken: async (token, expected) => {
    const claims = await checkTokenFor(token, {
      ...expected,
      typ: 'at+jwt',
      maxLifetimeSeconds: ACCESS_TOKEN_TTL_SECONDS,
    });
    return { jti: claims.jti, sub: claims.sub };
  },
  pairwiseSubject: (sector, accountId) =>
    pairwiseSubjects(required(ENV.pairwiseKeyId)).pairwiseSubject(sector, accountId),
  keysAt: (uri, fresh) => keysAt(uri, fresh),
};

const HTML = 'text/html; charset=utf-8';
const redirect = (location: string, headers: Record<string, string> = {}): APIGatewayProxyResult => ({
  statusCode: 303,
  headers: { Location: location, ...headers },
  body: '',
});
const errorPage = (error: PageError, locale: Locale): APIGatewayProxyResult => {
  const { status, html } = errorPageHtml(error.code, locale);
  return {
    statusCode: status,
    headers: { 'Content-Type': HTML, 'Content-Security-Policy': ERROR_PAGE_CSP },
    body: html,
  };
};
const pageLocale = (event: APIGatewayProxyEvent) =>
  localeOf(
    event.queryStringParameters?.lang ?? event.queryStringParameters?.ui_locales,
    header(event, 'accept-language'),
  );

/** The cookie that binds a request to the browser that started it: `__Host-` and Secure wherever https is. */
const cookieName = (issuer: string, requestId: string) =>
  `${issuer.startsWith('https://') ? '__Host-' : ''}xid-request-${requestId}`;
function cookie(event: APIGatewayProxyEvent, name: string): string | undefined {
  for (const part of (header(event, 'cookie') ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}
const requestIdOf = (event: APIGatewayProxyEvent) => {
  const parsed = idParameter.safeParse(event.pathParameters?.requestId);
  if (!parsed.success) throw new PageError('request_unknown');
  return parsed.data;
};
/** Page routes answer their errors as a page in the resident's language. */
const page = (fn: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>) =>
  apiHandler({}, async ({ event }) => {
    try {
      return await fn(event);
    } catch (error) {
      if (error instanceof PageError) return errorPage(error, pageLocale(event));
      throw error;
    }
  });
/** Token and userinfo errors in the OAuth shapes (RFC 6749 §5.2, RFC 6750 §3). */
const oauth = (fn: (event: APIGatewayProxyEvent) => Promise<unknown>) =>
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

/** `GET /oauth2/authorize`. */
export const getAuthorize = page(async (event) => {
  const issuer = publicBaseUrl(event);
  const query = event.multiValueQueryStringParameters ?? {};
  const outcome = await authorize(query, { issuer, acceptLanguage: header(event, 'accept-language') }, ports);
  if (outcome.kind === 'page')
    return errorPage(outcome.error, localeOf(query.ui_locales?.[0], header(event, 'accept-language')));
  if (outcome.kind === 'redirect') return redirect(outcome.location);
  const secure = issuer.startsWith('https://') ? '; Secure' : '';
  return redirect(outcome.location, {
    'Set-Cookie': `${cookieName(issuer, outcome.requestId)}=${outcome.browserSecret}; Path=/; Max-Age=${2 * REQUEST_TTL_SECONDS}; HttpOnly; SameSite=Lax${secure}`,
  });
});

/** `GET /oauth2/requests/{requestId}`: the page the browser waits on. */
export const getRequestPage = page(async (event) => {
  const requestId = requestIdOf(event);
  const { request, state } = await requestPage(requestId, ports);
  if (state !== 'pending') return redirect(`${publicBaseUrl(event)}/oauth2/requests/${requestId}/continue`);
  const lang = event.queryStringParameters?.lang;
  const html = requestPageHtml({
    requestId,
    clientName: request.clientName,
    claims: request.claims,
    userCode: request.userCode,
    minutesLeft: Math.max(1, Math.ceil((request.expiresAt.getTime() - Date.now()) / 60_000)),
    locale: lang === 'en' || lang === 'ja' ? lang : request.locale,
  });
  return {
    statusCode: 200,
    headers: { 'Content-Type': HTML, 'Content-Security-Policy': REQUEST_PAGE_CSP },
    body: html,
  };
});

/** `GET /oauth2/requests/{requestId}/status`: what the page polls. */
export const getRequestStatus = apiHandler({}, async ({ event }) => {
  const parsed = idParameter.safeParse(event.pathParameters?.requestId);
  if (!parsed.success) return json(404, { state: 'unknown' });
  return json(200, await requestStatus(parsed.data, ports));
});

/** `POST /oauth2/requests/{requestId}/login-hint {email}`: answered the same, known address or not. */
export const postLoginHint = apiHandler({ body: loginHintBody }, async ({ body, event }) => {
  const parsed = idParameter.safeParse(event.pathParameters?.requestId);
  if (!parsed.success) return json(404, { state: 'unknown' });
  return json(202, await loginHint(parsed.data, body.email, ports));
});

/** `GET /oauth2/requests/{requestId}/continue`: back to the relying party, with a code or an error. */
export const getRequestContinue = page(async (event) => {
  const requestId = requestIdOf(event);
  const issuer = publicBaseUrl(event);
  const { location } = await continueRequest(
    requestId,
    cookie(event, cookieName(issuer, requestId)),
    issuer,
    ports,
  );
  return redirect(location);
});

/** `POST /oauth2/token` (`application/x-www-form-urlencoded`). */
export const postToken = oauth(async (event) => {
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
  return exchangeCode(form, publicBaseUrl(event), ports);
});

const bearer = (event: APIGatewayProxyEvent) =>
  /^Bearer ([A-Za-z0-9_.-]+)$/.exec(header(event, 'authorization') ?? '')?.[1];

/** `GET /oauth2/userinfo`. */
export const getUserinfo = oauth(async (event) => userinfo(bearer(event), publicBaseUrl(event), ports));
/** `POST /oauth2/userinfo` (the same; OIDC Core §5.3.1 allows both). */
export const postUserinfo = getUserinfo;
