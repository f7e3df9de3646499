import { accountStore } from '../adapters/account-store.ts';
import { deviceStore } from '../adapters/device-store.ts';
import { envelope } from '../adapters/envelope.ts';
import { jpkiVerifier } from '../adapters/jpki.ts';
import { certificateLinks } from '../adapters/linkage.ts';
import { noticeStore } from '../adapters/notice-store.ts';
import { snsPush } from '../adapters/push.ts';
import { registrationStore } from '../adapters/registration-store.ts';
import { reverifyStore } from '../adapters/reverify-store.ts';
import { stepUpChallengeStore } from '../adapters/step-up-challenges.ts';
import { checkToken } from '../adapters/token-keys.ts';
import { municipalityOf } from '../municipality/municipalities.ts';
import { optional, required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { apiHandler } from '../shared/http/api.ts';
import { residentAuth } from '../shared/http/resident-auth.ts';
import { json } from '../shared/http/response.ts';
import { logger, metrics } from '../shared/powertools.ts';
import type { ReverificationPorts } from './ports.ts';
import { reverificationBody } from './schemas.ts';
import { reverify } from './use-cases.ts';

const tableName = required(ENV.tableName);
const accounts = accountStore(tableName);
const ports: ReverificationPorts = {
  settings: { itemMatch: optional(ENV.reverificationItemMatch) !== 'false' },
  account: accounts.account,
  deviceKey: accounts.deviceKey,
  stepUpChallengeUsable: stepUpChallengeStore(tableName).stepUpChallengeUsable,
  verifyCard: async (certificate, message, signature) =>
    (await jpkiVerifier()).verify(certificate, message, signature),
  municipalityOf,
  isCertificateRegistered: registrationStore(tableName).isCertificateRegistered,
  resealFields: envelope(required(ENV.dataKeyId)).resealFields,
  certificateLink: (issuer, oldSerial, newSerial) => certificateLinks().status(issuer, oldSerial, newSerial),
  subscription: deviceStore(tableName).subscription,
  municipalityRecord: noticeStore(tableName).municipalityRecord,
  ensurePushTopic: snsPush.ensurePushTopic,
  subscribeEndpoint: snsPush.subscribeEndpoint,
  unsubscribe: snsPush.unsubscribe,
  commitReverification: reverifyStore(tableName).commitReverification,
  now: () => new Date(),
};

/** `POST /v1/me/reverification`: the new card after a move, a name change or a renewal. */
export const postReverification = apiHandler(
  {
    body: reverificationBody,
    auth: residentAuth(checkToken, accounts.tokenGeneration),
    maxBodyBytes: 16 * 1024,
  },
  async ({ body, accountId }) => {
    const outcome = await reverify(accountId, body, ports);
    logger.info('re-verified', {
      evidence: outcome.evidence,
      noticeSubscription: outcome.body.noticeSubscription,
      moved: outcome.body.previousMunicipality !== null,
    });
    metrics.addMetric('Reverifications', 'Count', 1);
    if (outcome.leftoverSubscription) {
      logger.error('old notice subscription could not be ended', {
        subscriptionArn: outcome.leftoverSubscription,
      });
    }
    return json(200, outcome.body);
  },
);
