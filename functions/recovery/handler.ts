import { randomBytes } from 'node:crypto';
import { challengeMacKey } from '../adapters/challenge-key.ts';
import { deviceStore } from '../adapters/device-store.ts';
import { jpkiVerifier } from '../adapters/jpki.ts';
import { sesMailer } from '../adapters/mailer.ts';
import { snsPush } from '../adapters/push.ts';
import { recoveryStore } from '../adapters/recovery-store.ts';
import { registrationStore } from '../adapters/registration-store.ts';
import { challenges } from '../shared/challenges.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { apiHandler } from '../shared/http/api.ts';
import { json } from '../shared/http/response.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { currentTerms } from '../terms/legal-texts.ts';
import type { RecoveryPorts } from './ports.ts';
import { recoveryBody } from './schemas.ts';
import { recover } from './use-cases.ts';

const tableName = required(ENV.tableName);
const ports: RecoveryPorts = {
  challenges: challenges(challengeMacKey),
  challengeUsed: registrationStore(tableName).challengeUsed,
  ...recoveryStore(tableName),
  device: deviceStore(tableName).device,
  subscription: deviceStore(tableName).subscription,
  unsubscribe: snsPush.unsubscribe,
  deleteEndpoint: snsPush.deleteEndpoint,
  currentTerms,
  verifyCard: async (certificate, message, signature) =>
    (await jpkiVerifier()).verify(certificate, message, signature),
  send: sesMailer.send,
  newNonce: () => randomBytes(32).toString('base64url'),
  now: () => new Date(),
};

/** `POST /v1/recoveries` (機種変更・再設定): a new phone, a lost phone or forgotten PINs. */
export const postRecovery = apiHandler({ body: recoveryBody, maxBodyBytes: 16 * 1024 }, async ({ body }) => {
  const result = await recover(body, ports);
  if (result.mail === 'failed') {
    logger.warn('the recovery mail could not be sent', { error: result.mailError as Error });
    metrics.addMetric('RecoveryMailFailures', 'Count', 1);
  }
  return json(200, result.body);
});
