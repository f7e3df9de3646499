import type { AccountRecord } from '../account/model.ts';
import type { VerifiedCertificate } from '../jpki/verify.ts';
import type { Municipality } from '../municipality/municipalities.ts';
import type { SubscriptionRecord } from '../push/model.ts';
import { MAX_CERTIFICATE_BYTES, SIGNATURE_BYTES } from '../registration/schemas.ts';
import { decodeBase64 } from '../registration/use-cases.ts';
import { canonicalBytes } from '../shared/jcs.ts';
import { ProblemError } from '../shared/problems.ts';
import { verifySignProof } from '../step-up/use-cases.ts';
import { itemsMatch, type NoticeSubscriptionOutcome, type ReverificationCommit } from './model.ts';
import type { ReverificationPorts } from './ports.ts';
import type { ReverificationBody, ReverificationResponse } from './schemas.ts';

/**
 * `POST /v1/me/reverification` (design.md §3.8): the resident reads their new card after a move, a name
 * change or a renewal; the account takes the new certificate and its four items, the municipality follows
 * the address, and the notice subscription follows the municipality.
 */

/** How the new certificate was tied to the account: the linkage, or the item-match rule. */
export type IdentityEvidence = 'linkage' | 'items';

export interface ReverificationOutcome {
  body: ReverificationResponse;
  evidence: IdentityEvidence;
  /** The old subscription, when ending it failed after the transaction (for the log; the account is right). */
  leftoverSubscription?: string;
}

const summary = ({ code, name }: Municipality) => ({ code, name });

/** Is the new certificate the same person's? The linkage first, then (where allowed) the items. */
async function sameIdentity(
  account: AccountRecord,
  previous: { dateOfBirth: string; address: string },
  verified: VerifiedCertificate,
  ports: ReverificationPorts,
): Promise<IdentityEvidence> {
  const current = account.certificate;
  const link =
    current.issuerSha256 === verified.certificate.issuerSha256
      ? await ports.certificateLink(verified.certificate.issuer, current.serial, verified.certificate.serial)
      : 'not_linked';
  if (link === 'linked') return 'linkage';
  if (ports.settings.itemMatch && itemsMatch({ name: account.name, ...previous }, verified.items))
    return 'items';
  // Without the linkage's answer, "not the same person" cannot be said: fail closed, and say why.
  if (link === 'unknown')
    throw new ProblemError('service_unavailable', 'The certificate linkage cannot be read now');
  throw new ProblemError('identity_mismatch');
}

/**
 * The subscription after the move: subscribed to the new municipality's topic when the resident had
 * notices on and it publishes (`moved`), ended when it does not, kept when the municipality is the same.
 * The new subscription is made before the transaction, so that a failure leaves the old one in force.
 */
async function reroute(
  account: AccountRecord,
  municipality: Municipality,
  ports: ReverificationPorts,
): Promise<{ outcome: NoticeSubscriptionOutcome; change?: ReverificationCommit['subscription'] }> {
  const subscription = await ports.subscription(account.accountId);
  if (!subscription) return { outcome: 'none' };
  if (municipality.code === account.municipality.code) return { outcome: 'unchanged' };
  const previousArn = subscription.subscriptionArn;
  if (!(await ports.municipalityRecord(municipality.code)))
    return { outcome: 'ended', change: { previousArn } };
  const topicArn = await ports.ensurePushTopic(municipality.code);
  const next: SubscriptionRecord = {
    code: municipality.code,
    topicArn,
    subscriptionArn: await ports.subscribeEndpoint(topicArn, subscription.endpointArn),
    endpointArn: subscription.endpointArn,
  };
  return { outcome: 'moved', change: { previousArn, next } };
}

/**
 * Every check of design.md §3.8 in order, then one transaction; the SNS subscription moves around it.
 * Nothing is written unless every check passed, and the challenge is used up inside the transaction.
 */
export async function reverify(
  accountId: string,
  body: ReverificationBody,
  ports: ReverificationPorts,
): Promise<ReverificationOutcome> {
  const { statement } = body;
  const certificate = decodeBase64(body.certificate, 'certificate', MAX_CERTIFICATE_BYTES);
  const signature = decodeBase64(body.signature, 'signature', SIGNATURE_BYTES, SIGNATURE_BYTES);
  if (statement.accountId !== accountId) throw new ProblemError('statement_mismatch');
  const account = await ports.account(accountId);
  if (!account) throw new ProblemError('unauthorized');
  if (account.status !== 'active' && account.status !== 'reverification_required')
    throw new ProblemError('conflict', 'The account is not active');

  const challenge = await verifySignProof(
    body.signProof,
    {
      purpose: 'reverification',
      accountId,
      challenge: { challengeId: statement.challengeId, nonce: statement.nonce },
    },
    ports,
  );

  const verified = await ports.verifyCard(certificate, canonicalBytes(statement), signature);
  const municipality = ports.municipalityOf(verified.items.address);
  if (!municipality) throw new ProblemError('municipality_unknown');

  const current = account.certificate;
  const fresh = verified.certificate;
  if (current.issuerSha256 === fresh.issuerSha256 && current.serial === fresh.serial)
    throw new ProblemError('certificate_unchanged');
  if (await ports.isCertificateRegistered(fresh.issuerSha256, fresh.serial, ports.now()))
    throw new ProblemError('already_registered');

  const { items } = verified;
  const { dateOfBirth, address } = account.sealed;
  if (!dateOfBirth || !address) throw new Error('the account lacks its sealed items');
  const { opened, sealed } = await ports.resealFields(
    accountId,
    account.wrappedDataKey,
    { dateOfBirth, address },
    {
      gender: items.gender,
      dateOfBirth: items.dateOfBirth,
      address: items.address,
      ...(items.addressFlags ? { addressFlags: items.addressFlags } : {}),
    },
  );
  const evidence = await sameIdentity(
    account,
    { dateOfBirth: String(opened.dateOfBirth), address: String(opened.address) },
    verified,
    ports,
  );

  const { outcome, change: subscription } = await reroute(account, municipality, ports);
  const at = ports.now();
  try {
    await ports.commitReverification({
      accountId,
      at,
      challenge,
      previous: { certificate: current, status: account.status },
      certificate: fresh,
      name: items.name,
      nameFlags: items.nameFlags,
      sealed,
      municipality,
      subscription,
    });
  } catch (error) {
    const made = subscription?.next?.subscriptionArn;
    // Undo the new subscription, unless a concurrent re-verification that won made the same one (SNS
    // answers the same ARN for the same topic and endpoint) and keeps it.
    if (made && (await ports.subscription(accountId).catch(() => undefined))?.subscriptionArn !== made)
      await ports.unsubscribe(made).catch(() => undefined);
    throw error;
  }

  let leftoverSubscription: string | undefined;
  if (subscription) {
    try {
      await ports.unsubscribe(subscription.previousArn);
    } catch {
      leftoverSubscription = subscription.previousArn;
    }
  }
  const moved = municipality.code !== account.municipality.code;
  return {
    body: {
      accountId,
      status: 'active',
      municipality: summary(municipality),
      previousMunicipality: moved ? summary(account.municipality) : null,
      noticeSubscription: outcome,
    },
    evidence,
    leftoverSubscription,
  };
}
