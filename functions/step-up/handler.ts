import { accountStore } from '../adapters/account-store.ts';
import { stepUpChallengeStore } from '../adapters/step-up-challenges.ts';
import { checkToken } from '../adapters/token-keys.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { apiHandler } from '../shared/http/api.ts';
import { residentAuth } from '../shared/http/resident-auth.ts';
import { json } from '../shared/http/response.ts';
import type { StepUpPorts } from './ports.ts';
import { stepUpChallengeBody } from './schemas.ts';
import { createStepUpChallenge } from './use-cases.ts';

const tableName = required(ENV.tableName);
const accounts = accountStore(tableName);
const ports: StepUpPorts = {
  issueStepUpChallenge: stepUpChallengeStore(tableName).issueStepUpChallenge,
  accountExists: accounts.accountExists,
  now: () => new Date(),
};

/** `POST /v1/me/challenges`: a challenge for a sign proof (PIN2), single use, 5 minutes. */
export const postStepUpChallenge = apiHandler(
  { body: stepUpChallengeBody, auth: residentAuth(checkToken, accounts.tokenGeneration) },
  async ({ accountId }) => json(201, await createStepUpChallenge(accountId, ports)),
);
