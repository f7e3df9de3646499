import { accountStore } from '../adapters/account-store.ts';
import { challengeMacKey } from '../adapters/challenge-key.ts';
import { publishedKeys } from '../adapters/token-keys.ts';
import { mintToken } from '../adapters/token-signer.ts';
import { challenges } from '../shared/challenges.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { apiHandler } from '../shared/http/api.ts';
import { json } from '../shared/http/response.ts';
import { metrics } from '../shared/powertools.ts';
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

const challengeCodec = challenges(challengeMacKey);
const now = () => new Date();
let ports: AuthPorts | undefined;
/** Built on first use: the JWKS and challenge routes have no table, the others need it bound. */
const authPorts = (): AuthPorts => {
  ports ??= {
    ...accountStore(required(ENV.tableName)),
    challenges: challengeCodec,
    mintToken: (accountId, generation, municipality) => mintToken(accountId, generation, municipality),
    now,
  };
  return ports;
};

function accountIdOf(event: { pathParameters: Record<string, string | undefined> | null }): string {
  const parsed = accountIdParameter.safeParse(event.pathParameters?.accountId);
  if (!parsed.success) throw new ProblemError('not_found', 'No such account');
  return parsed.data;
}

/**
 * Counts refused device-key proofs (metric `FailedProofs`): they lock nothing, so the metric and the
 * firewall's per-address limits are what shows and stops someone trying.
 */
export async function countingFailedProofs<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof ProblemError && error.code === 'proof_invalid')
      metrics.addMetric('FailedProofs', 'Count', 1);
    throw error;
  }
}

/** `POST /v1/accounts/{accountId}/activation` (guide step 6: PIN1, then PIN2). */
export const postActivation = apiHandler({ body: activationBody }, async ({ body, event }) =>
  json(200, await countingFailedProofs(activate(accountIdOf(event), body, authPorts()))),
);

/** `POST /v1/sessions/challenges`: stateless, touches no table. */
export const postSessionChallenge = apiHandler({ body: sessionChallengeBody }, async ({ body }) =>
  json(201, await createSessionChallenge(body.accountId, { challenges: challengeCodec, now })),
);

/** `POST /v1/sessions`: login with the auth key (PIN1 or biometrics). */
export const postSession = apiHandler({ body: sessionBody }, async ({ body }) =>
  json(200, await countingFailedProofs(login(body, authPorts()))),
);

/** `GET /.well-known/jwks.json`: every key that tokens may name, the signing one first. */
export const getJwks = apiHandler({}, async () => {
  const keys = (await publishedKeys()).map((k) => k.jwk);
  return json(200, { keys } satisfies JwksResponse, { 'Cache-Control': 'public, max-age=300' });
});
