import { deviceChangedMail } from '../mail/template.ts';
import { activationExpiry } from '../registration/model.ts';
import type { RegistrationResponse } from '../registration/schemas.ts';
import {
  checkStatement,
  decodeSignedRequest,
  pendingActivation,
  usableChallenge,
} from '../registration/use-cases.ts';
import { canonicalBytes } from '../shared/jcs.ts';
import { ProblemError } from '../shared/problems.ts';
import type { RecoveryPorts } from './ports.ts';
import type { RecoveryBody } from './schemas.ts';

/** Whether the resident was told by mail: sent, no verified deliverable address, or SES failed. */
export type RecoveryMail = 'sent' | 'none' | 'failed';

/**
 * `POST /v1/recoveries` (design.md §3.9, 機種変更・再設定): the card proves who it is again, as at
 * registration, and the account gets the new phone's device keys. Every token issued before is refused from
 * then on (the token generation goes up), the old phone's push endpoint is removed, the account waits for a
 * new activation, and the verified address is told. Serves an account stuck in `pending_activation` too.
 *
 * The checks are registration's, in its order (no consent: none is asked again); then the certificate must
 * be the current one of an account (`404 account_not_found` otherwise). Nothing is written before every
 * check passed. The old endpoint is removed from SNS before the transaction, so that a phone that is lost
 * never keeps receiving pushes because a later step failed.
 */
export async function recover(
  body: RecoveryBody,
  ports: RecoveryPorts,
): Promise<{ body: RegistrationResponse; mail: RecoveryMail; mailError?: unknown }> {
  const { statement } = body;
  const { certificate, signature } = decodeSignedRequest(body);
  const now = ports.now();
  const challenge = await usableChallenge(statement, ports, now);
  if (!challenge) throw new ProblemError('challenge_invalid');
  checkStatement(statement, ports.currentTerms());
  const verified = await ports.verifyCard(certificate, canonicalBytes(statement), signature);
  const account = await ports.accountOfCertificate(
    verified.certificate.issuerSha256,
    verified.certificate.serial,
  );
  if (!account) throw new ProblemError('account_not_found');

  const { accountId } = account;
  const [device, subscription] = await Promise.all([ports.device(accountId), ports.subscription(accountId)]);
  if (subscription) await ports.unsubscribe(subscription.subscriptionArn);
  if (device) await ports.deleteEndpoint(device.endpointArn);
  const activation = {
    nonce: ports.newNonce(),
    expiresAt: activationExpiry(now),
  };
  await ports.recover(
    {
      account,
      at: now,
      deviceKeys: { auth: statement.authKey, sign: statement.signKey },
      activation,
      removedEndpoint: device?.endpointArn,
      activity: {
        type: 'device_changed',
        at: now,
        detail: {
          reason: 'recovery',
          pushRemoved: device !== undefined,
          noticesEnded: subscription !== undefined,
        },
      },
    },
    challenge,
  );

  const answer = pendingActivation(accountId, account.municipality, activation);
  if (!account.email?.verified || !account.email.deliverable) return { body: answer, mail: 'none' };
  try {
    await ports.send(account.email.address, deviceChangedMail(now), accountId);
    return { body: answer, mail: 'sent' };
  } catch (mailError) {
    // The recovery is done; the handler logs and counts the mail that could not be sent.
    return { body: answer, mail: 'failed', mailError };
  }
}
