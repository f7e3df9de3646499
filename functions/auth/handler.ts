import { randomBytes, randomUUID } from 'node:crypto';
import { accountStore } from '../adapters/account-store.ts';
import { envelope } from '../adapters/envelope.ts';
import { mintToken, verificationKeys } from '../adapters/token-keys.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { apiHandler } from '../shared/http/api.ts';
import { json } from '../shared/http/response.ts';
import { Failure } from '../shared/problems.ts';
import { resident } from './resident.ts';
import { accountIdParameter, activationBody, sessionBody, sessionChallengeBody } from './schemas.ts';
import { type AuthPorts, activate, createSessionChallenge, login, me } from './use-cases.ts';

const ports: AuthPorts = {
  // Built on use: the JWKS route has no table, the others fail at their first request if unbound.
  get store() {
    return accountStore(required(ENV.tableName));
  },
  mintToken: (accountId) => mintToken(accountId),
  openFields: (accountId, wrapped, sealed) =>
    envelope(required(ENV.dataKeyId)).openFields(accountId, wrapped, sealed),
  newId: randomUUID,
  newNonce: () => randomBytes(32).toString('base64url'),
  now: () => new Date(),
};

function accountIdOf(event: { pathParameters: Record<string, string | undefined> | null }): string {
  const parsed = accountIdParameter.safeParse(event.pathParameters?.accountId);
  if (!parsed.success) throw new Failure('not_found', 'No such account');
  return parsed.data;
}

/** `POST /v1/accounts/{accountId}/activation` (guide step 6: PIN1, then PIN2). */
export const postActivation = apiHandler({ body: activationBody }, async ({ body, event }) =>
  json(200, await activate(accountIdOf(event), body, ports)),
);

/** `POST /v1/sessions/challenges`. */
export const postSessionChallenge = apiHandler({ body: sessionChallengeBody }, async ({ body }) =>
  json(201, await createSessionChallenge(body.accountId, ports)),
);

/** `POST /v1/sessions`: login with the auth key (PIN1 or biometrics). */
export const postSession = apiHandler({ body: sessionBody }, async ({ body }) =>
  json(200, await login(body, ports)),
);

/** `GET /v1/me`. */
export const getMe = apiHandler({ auth: resident }, async ({ accountId }) =>
  json(200, await me(accountId, ports)),
);

/** `GET /.well-known/jwks.json`: every key that tokens may name, the signing one first. */
export const getJwks = apiHandler({}, async () => {
  const keys = [...(await verificationKeys()).values()].map((k) => k.jwk);
  return json(200, { keys }, { 'Cache-Control': 'public, max-age=300' });
});
