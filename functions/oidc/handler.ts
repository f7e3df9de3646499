import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { accountStore } from '../adapters/account-store.ts';
import { keysAt } from '../adapters/client-keys.ts';
import { deviceStore } from '../adapters/device-store.ts';
import { envelope } from '../adapters/envelope.ts';
import { oidcStore } from '../adapters/oidc-store.ts';
import { pairwiseSubjects } from '../adapters/pairwise.ts';
import { publishToEndpoint } from '../adapters/push.ts';
import { checkToken, checkTokenFor } from '../adapters/token-keys.ts';
import { signJwt } from '../adapters/token-signer.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { apiHandler } from '../shared/http/api.ts';
import { publicBaseUrl } from '../shared/http/base-url.ts';
import { header } from '../shared/http/middleware.ts';
import { residentAuth } from '../shared/http/resident-auth.ts';
import { json } from '../shared/http/response.ts';
import { logger } from '../shared/powertools.ts';
import { ProblemError } from '../shared/problems.ts';
import { newUserCode } from './codes.ts';
import * as http from './http.ts';
import { requestPageHtml } from './page.ts';
import type { OidcPorts } from './ports.ts';
import { approvalPush } from './push-payload.ts';
import { claimBody, decisionBody, idParameter, loginHintBody } from './schemas.ts';
import * as oidc from './use-cases.ts';

let built: OidcPorts | undefined;
/** Built on first use (discovery touches nothing); each route is bound only to what its use case reaches. */
const ports = (): OidcPorts => {
  if (built) return built;
  const tableName = required(ENV.tableName);
  built = {
    ...oidcStore(tableName, {
      openFields: (accountId, wrapped, sealed) =>
        envelope(required(ENV.dataKeyId)).openFields(accountId, wrapped, sealed),
    }),
    now: () => new Date(),
    newId: randomUUID,
    newSecret: () => randomBytes(32).toString('base64url'),
    newUserCode: () => newUserCode(randomInt),
    pushToAccount: async (accountId, message) => {
      try {
        const device = await deviceStore(tableName).device(accountId);
        if (device?.enabled) await publishToEndpoint(device.endpointArn, approvalPush(message));
      } catch (error) {
        // Best effort: the app lists its pending requests anyway, and the answer must not depend on it.
        logger.warn('approval push failed', error instanceof Error ? error : new Error(String(error)));
      }
    },
    signJwt: (typ, claims) => signJwt({ typ }, claims),
    verifyAccessToken: async (token, expected) => {
      const claims = await checkTokenFor(token, {
        ...expected,
        typ: 'at+jwt',
        maxLifetimeSeconds: oidc.ACCESS_TOKEN_TTL_SECONDS,
      });
      return { jti: claims.jti, sub: claims.sub };
    },
    pairwiseSubject: (sector, accountId) =>
      pairwiseSubjects(required(ENV.pairwiseKeyId)).pairwiseSubject(sector, accountId),
    keysAt: (uri, fresh) => keysAt(uri, fresh),
  };
  return built;
};

/** Path ids are UUIDs; anything else names nothing. */
const requestIdOf = (event: APIGatewayProxyEvent) => {
  const parsed = idParameter.safeParse(event.pathParameters?.requestId);
  if (!parsed.success) throw new ProblemError('not_found', 'No such authorization request');
  return parsed.data;
};
const clientIdOf = (event: APIGatewayProxyEvent) => {
  const parsed = idParameter.safeParse(event.pathParameters?.clientId);
  if (!parsed.success) throw new ProblemError('not_found', 'No such authorization');
  return parsed.data;
};
const resident = residentAuth(checkToken, (accountId) =>
  accountStore(required(ENV.tableName)).tokenGeneration(accountId),
);

/** `GET /.well-known/openid-configuration`. */
export const getOpenIdConfiguration = apiHandler({}, async ({ event }) =>
  json(200, oidc.discovery(publicBaseUrl(event)), { 'Cache-Control': 'public, max-age=3600' }),
);

/** `GET /oauth2/authorize`: a page for what cannot be redirected, else the request page (and its cookie). */
export const getAuthorize = http.pageRoute(async (event) => {
  const issuer = publicBaseUrl(event);
  const accepted = { issuer, acceptLanguage: header(event, 'accept-language') };
  const outcome = await oidc.authorize(event.multiValueQueryStringParameters ?? {}, accepted, ports());
  if (outcome.kind === 'page') return http.errorPage(outcome.error, http.pageLocale(event));
  if (outcome.kind === 'redirect') return http.redirect(outcome.location);
  return http.redirect(outcome.location, {
    'Set-Cookie': http.requestCookie(
      issuer,
      outcome.requestId,
      outcome.browserSecret,
      2 * oidc.REQUEST_TTL_SECONDS,
    ),
  });
});

/** `GET /oauth2/requests/{requestId}`: the page the browser waits on. */
export const getRequestPage = http.pageRoute(async (event) => {
  const requestId = http.pageRequestId(event);
  const { request, state } = await oidc.requestPage(requestId, ports());
  if (state !== 'pending')
    return http.redirect(`${publicBaseUrl(event)}/oauth2/requests/${requestId}/continue`);
  const lang = event.queryStringParameters?.lang;
  return http.requestPageResponse(
    requestPageHtml({
      requestId,
      clientName: request.clientName,
      claims: request.claims,
      userCode: request.userCode,
      minutesLeft: Math.max(1, Math.ceil((request.expiresAt.getTime() - Date.now()) / 60_000)),
      locale: lang === 'en' || lang === 'ja' ? lang : request.locale,
    }),
  );
});

/** `GET /oauth2/requests/{requestId}/status`: what the page polls. */
export const getRequestStatus = apiHandler({}, async ({ event }) =>
  json(200, await oidc.requestStatus(requestIdOf(event), ports())),
);

/** `POST /oauth2/requests/{requestId}/login-hint {email}`: answered the same, known address or not. */
export const postLoginHint = apiHandler({ body: loginHintBody }, async ({ body, event }) =>
  json(202, await oidc.loginHint(requestIdOf(event), body.email, ports())),
);

/** `GET /oauth2/requests/{requestId}/continue`: back to the relying party, with a code or an error. */
export const getRequestContinue = http.pageRoute(async (event) => {
  const requestId = http.pageRequestId(event);
  const issuer = publicBaseUrl(event);
  const secret = http.cookie(event, http.cookieName(issuer, requestId));
  return http.redirect((await oidc.continueRequest(requestId, secret, issuer, ports())).location);
});

/** `POST /oauth2/token` (`application/x-www-form-urlencoded`). */
export const postToken = http.oauthRoute(async (event) =>
  oidc.exchangeCode(http.tokenForm(event), publicBaseUrl(event), ports()),
);

/** `GET /oauth2/userinfo`. */
export const getUserinfo = http.oauthRoute(async (event) =>
  oidc.userinfo(http.bearerToken(event), publicBaseUrl(event), ports()),
);
/** `POST /oauth2/userinfo` (the same; OIDC Core §5.3.1 allows both). */
export const postUserinfo = getUserinfo;

/** `GET /v1/me/authorization-requests`. */
export const getAuthorizationRequests = apiHandler({ auth: resident }, async ({ accountId }) =>
  json(200, await oidc.pendingRequests(accountId, ports())),
);

/** `POST /v1/me/authorization-requests/claim {userCode}`. */
export const postAuthorizationRequestClaim = apiHandler(
  { body: claimBody, auth: resident },
  async ({ body, accountId }) => json(200, await oidc.claimRequest(accountId, body.userCode, ports())),
);

/** `POST /v1/me/authorization-requests/{requestId}/decision {decision, proof}`. */
export const postAuthorizationDecision = apiHandler(
  { body: decisionBody, auth: resident },
  async ({ body, accountId, event }) =>
    json(200, await oidc.decide(accountId, requestIdOf(event), body, ports())),
);

/** `GET /v1/me/authorizations`. */
export const getAuthorizations = apiHandler({ auth: resident }, async ({ accountId }) =>
  json(200, await oidc.authorizations(accountId, ports())),
);

/** `DELETE /v1/me/authorizations/{clientId}`. */
export const deleteAuthorization = apiHandler({ auth: resident }, async ({ accountId, event }) => {
  await oidc.revokeAuthorization(accountId, clientIdOf(event), ports());
  return { statusCode: 204, headers: {}, body: '' };
});
