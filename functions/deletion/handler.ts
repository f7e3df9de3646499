import { accountStore } from '../adapters/account-store.ts';
import { deletionStore } from '../adapters/deletion-store.ts';
import { deviceStore } from '../adapters/device-store.ts';
import { snsPush } from '../adapters/push.ts';
import { stepUpChallengeStore, useStepUpChallengeItem } from '../adapters/step-up-challenges.ts';
import { checkToken } from '../adapters/token-keys.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { apiHandler } from '../shared/http/api.ts';
import { residentAuth } from '../shared/http/resident-auth.ts';
import { noContent } from '../shared/http/response.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { verifySignProof } from '../step-up/use-cases.ts';
import { DELETION_PURPOSE } from './model.ts';
import type { DeletionPorts } from './ports.ts';
import { deletionBody } from './schemas.ts';
import { deleteAccount } from './use-cases.ts';

const tableName = required(ENV.tableName);
const devices = deviceStore(tableName);
const signProofPorts = {
  stepUpChallengeUsable: stepUpChallengeStore(tableName).stepUpChallengeUsable,
  deviceKey: accountStore(tableName).deviceKey,
  now: () => new Date(),
};
const ports: DeletionPorts = {
  ...deletionStore(tableName, useStepUpChallengeItem),
  device: devices.device,
  subscription: devices.subscription,
  unsubscribe: snsPush.unsubscribe,
  deleteEndpoint: snsPush.deleteEndpoint,
  verifyDeletionProof: (signProof, accountId) =>
    verifySignProof(signProof, { purpose: DELETION_PURPOSE, accountId }, signProofPorts),
  now: () => new Date(),
};

/** `DELETE /v1/me` (退会): a sign proof (PIN2) over a step-up challenge; the account is crypto-shredded. */
export const deleteMe = apiHandler(
  // The token's generation is compared in the use case's one read of the account.
  { body: deletionBody, auth: residentAuth(checkToken, 'in-use-case') },
  async ({ body, accountId, tokenGeneration }) => {
    const result = await deleteAccount({ accountId, tokenGeneration }, body, ports);
    if (result.sweep === 'incomplete') {
      // The account id names no one any more; the operator finishes with npm run sweep-deleted.
      logger.warn('the activity of a deleted account was not all swept; its tombstone says sweep: pending', {
        accountId,
        error: result.cause as Error,
      });
      metrics.addMetric('DeletionSweepsIncomplete', 'Count', 1);
    }
    return noContent();
  },
);
