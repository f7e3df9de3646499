import { resident } from '../auth/resident.ts';
import { apiHandler } from '../shared/http/api.ts';
import { json } from '../shared/http/response.ts';
import { Failure } from '../shared/problems.ts';
import { ports } from './handler.ts';
import { claimBody, decisionBody, idParameter } from './schemas.ts';
import { authorizations, claimRequest, decide, pendingRequests, revokeAuthorization } from './use-cases.ts';

/** The app's side of Sign in with xID (design.md §3.13): find a request, decide it with PIN1, see and revoke grants. */
const idOf = (value: string | undefined, what: string) => {
  const parsed = idParameter.safeParse(value);
  if (!parsed.success) throw new Failure('not_found', `No such ${what}`);
  return parsed.data;
};

/** `GET /v1/me/authorization-requests`. */
export const getAuthorizationRequests = apiHandler({ auth: resident }, async ({ accountId }) =>
  json(200, await pendingRequests(accountId, ports)),
);

/** `POST /v1/me/authorization-requests/claim {userCode}`. */
export const postAuthorizationRequestClaim = apiHandler(
  { body: claimBody, auth: resident },
  async ({ body, accountId }) => json(200, await claimRequest(accountId, body.userCode, ports)),
);

/** `POST /v1/me/authorization-requests/{requestId}/decision {decision, proof}`. */
export const postAuthorizationDecision = apiHandler(
  { body: decisionBody, auth: resident },
  async ({ body, accountId, event }) =>
    json(
      200,
      await decide(accountId, idOf(event.pathParameters?.requestId, 'authorization request'), body, ports),
    ),
);

/** `GET /v1/me/authorizations`. */
export const getAuthorizations = apiHandler({ auth: resident }, async ({ accountId }) =>
  json(200, await authorizations(accountId, ports)),
);

/** `DELETE /v1/me/authorizations/{clientId}`. */
export const deleteAuthorization = apiHandler({ auth: resident }, async ({ accountId, event }) => {
  await revokeAuthorization(accountId, idOf(event.pathParameters?.clientId, 'authorization'), ports);
  return { statusCode: 204, headers: {}, body: '' };
});
