import { checkToken } from '../adapters/token-keys.ts';
import { apiHandler } from '../shared/http/api.ts';
import { residentAuth } from '../shared/http/resident-auth.ts';
import { json } from '../shared/http/response.ts';
import { ProblemError } from '../shared/problems.ts';
import { ports } from './handler.ts';
import { claimBody, decisionBody, idParameter } from './schemas.ts';
import { authorizations, claimRequest, decide, pendingRequests, revokeAuthorization } from './use-cases.ts';

/** The app's side of Sign in with xID (design.md §3.13): find a request, decide it with PIN1, see and revoke grants. */
const requestIdOf = (value: string | undefined) => {
  const parsed = idParameter.safeParse(value);
  if (!parsed.success) throw new ProblemError('not_found', 'No such authorization request');
  return parsed.data;
};
const clientIdOf = (value: string | undefined) => {
  const parsed = idParameter.safeParse(value);
  if (!parsed.success) throw new ProblemError('not_found', 'No such authorization');
  return parsed.data;
};

/** `GET /v1/me/authorization-requests`. */
export const getAuthorizationRequests = apiHandler(
  { auth: residentAuth(checkToken) },
  async ({ accountId }) => json(200, await pendingRequests(accountId, ports)),
);

/** `POST /v1/me/authorization-requests/claim {userCode}`. */
export const postAuthorizationRequestClaim = apiHandler(
  { body: claimBody, auth: residentAuth(checkToken) },
  async ({ body, accountId }) => json(200, await claimRequest(accountId, body.userCode, ports)),
);

/** `POST /v1/me/authorization-requests/{requestId}/decision {decision, proof}`. */
export const postAuthorizationDecision = apiHandler(
  { body: decisionBody, auth: residentAuth(checkToken) },
  async ({ body, accountId, event }) =>
    json(200, await decide(accountId, requestIdOf(event.pathParameters?.requestId), body, ports)),
);

/** `GET /v1/me/authorizations`. */
export const getAuthorizations = apiHandler({ auth: residentAuth(checkToken) }, async ({ accountId }) =>
  json(200, await authorizations(accountId, ports)),
);

/** `DELETE /v1/me/authorizations/{clientId}`. */
export const deleteAuthorization = apiHandler(
  { auth: residentAuth(checkToken) },
  async ({ accountId, event }) => {
    await revokeAuthorization(accountId, clientIdOf(event.pathParameters?.clientId), ports);
    return { statusCode: 204, headers: {}, body: '' };
  },
);
