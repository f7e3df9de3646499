import { randomBytes, randomUUID } from 'node:crypto';
import { accountStore } from '../adapters/account-store.ts';
import { publishedKeys } from '../adapters/token-keys.ts';
import { mintToken } from '../adapters/token-signer.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { apiHandler } from '../shared/http/api.ts';
import { json } from '../shared/http/response.ts';
import { ProblemError } from '../shared/problems.ts';
import type { AuthPorts } from './ports.ts';
import {
  accountIdParameter,
  activationBody,
  type JwksResponse,
  sessionBody,
  sessionChallengeBody,
} from './schemas.ts';
import { activate, createSessionChallenge, login } from './use-cases.ts';

let ports: AuthPorts | undefined;
/** Built on first use: the JWKS route has no table, the others fail at their first request if unbound. */
const authPorts = (): AuthPorts => {
  ports ??= {
    ...accountStore(required(ENV.tableName)),
    mintToken: (accountId, generation, municipality) => mintToken(accountId, generation, municipality),
    newId: randomUUID,
    newNonce: () => randomBytes(32).toString('base64url'),
    now: () => new Date(),
  };
  return ports;
};

function accountIdOf(event: { pathParameters: Record<string, string | undefined> | null }): string {
  const parsed = accountIdParameter.safeParse(event.pathParameters?.accountId);
  if (!parsed.success) throw new ProblemError('not_found', 'No such account');
  return parsed.data;
}

/** `POST /v1/accounts/{accountId}/activation` (guide step 6: PIN1, then PIN2). */
export const postActivation = apiHandler({ body: activationBody }, async ({ body, event }) =>
  json(200, await activate(accountIdOf(event), body, authPorts())),
);

/** `POST /v1/sessions/challenges`. */
export const postSessionChallenge = apiHandler({ body: sessionChallengeBody }, async ({ body }) =>
  json(201, await createSessionChallenge(body.accountId, authPorts())),
);

/** `POST /v1/sessions`: login with the auth key (PIN1 or biometrics). */
export const postSession = apiHandler({ body: sessionBody }, async ({ body }) =>
  json(200, await login(body, authPorts())),
);

/** `GET /.well-known/jwks.json`: every key that tokens may name, the signing one first. */
export const getJwks = apiHandler({}, async () => {
  const keys = (await publishedKeys()).map((k) => k.jwk);
  return json(200, { keys } satisfies JwksResponse, { 'Cache-Control': 'public, max-age=300' });
});
