import { createPublicKey } from 'node:crypto';
import { canonicalBytes } from '../shared/jcs.ts';
import { ProblemError } from '../shared/problems.ts';
import { ACTIVATION_TTL_SECONDS, type NewAccount } from './model.ts';
import type { RegistrationPorts } from './ports.ts';
import {
  MAX_CERTIFICATE_BYTES,
  type RegistrationBody,
  type RegistrationChallengeResponse,
  type RegistrationResponse,
  SIGNATURE_BYTES,
} from './schemas.ts';

/**
 * `POST /v1/registration/challenges`: a fresh single-use nonce, with the terms it must be signed with.
 * Stateless: nothing is written (only a registration records the challenge's use).
 */
export async function createChallenge(
  ports: Pick<RegistrationPorts, 'challenges' | 'currentTerms' | 'now'>,
): Promise<RegistrationChallengeResponse> {
  const challenge = await ports.challenges.issue('registration', '', ports.now());
  const { terms, privacyPolicy } = ports.currentTerms();
  return {
    challengeId: challenge.challengeId,
    nonce: challenge.nonce,
    expiresAt: challenge.expiresAt.toISOString(),
    terms,
    privacyPolicy,
  };
}

function decodeBase64(value: string, what: string, max: number, exact?: number): Buffer {
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length === 0 || bytes.length > max || (exact !== undefined && bytes.length !== exact)) {
    throw new ProblemError('invalid_request', `${what} has the wrong size`, {
      errors: [
        { pointer: `/${what}`, detail: exact ? `must be ${exact} bytes` : `must be 1 to ${max} bytes` },
      ],
    });
  }
  return bytes;
}

/**
 * `POST /v1/registrations`: every check of design.md §3.2 in the table's order, then one transaction.
 * Nothing is written unless every check passed; the challenge is consumed inside that transaction.
 */
export async function register(
  body: RegistrationBody,
  ports: RegistrationPorts,
): Promise<RegistrationResponse> {
  const { statement } = body;
  const certificate = decodeBase64(body.certificate, 'certificate', MAX_CERTIFICATE_BYTES);
  const signature = decodeBase64(body.signature, 'signature', SIGNATURE_BYTES, SIGNATURE_BYTES);
  for (const [pointer, jwk] of [
    ['/statement/authKey', statement.authKey],
    ['/statement/signKey', statement.signKey],
  ] as const) {
    try {
      createPublicKey({ key: jwk, format: 'jwk' });
    } catch {
      throw new ProblemError('invalid_request', 'A device key is not a P-256 public key', {
        errors: [{ pointer, detail: 'not a point on P-256' }],
      });
    }
  }

  const now = ports.now();
  const challenge = await ports.challenges.check('registration', statement, '', now);
  if (!challenge.valid || (await ports.challengeUsed(statement.challengeId)))
    throw new ProblemError('challenge_invalid');

  const current = ports.currentTerms();
  const matches =
    statement.termsVersion === current.terms.version &&
    statement.termsSha256 === current.terms.sha256 &&
    statement.privacyPolicyVersion === current.privacyPolicy.version &&
    statement.privacyPolicySha256 === current.privacyPolicy.sha256 &&
    (statement.authKey.x !== statement.signKey.x || statement.authKey.y !== statement.signKey.y);
  if (!matches) throw new ProblemError('statement_mismatch');

  if (body.consents.identityVerification !== true) throw new ProblemError('consent_required');

  const verified = await ports.verifyCard(certificate, canonicalBytes(statement), signature);

  const municipality = ports.municipalityOf(verified.items.address);
  if (!municipality) throw new ProblemError('municipality_unknown');

  const { issuerSha256, serial } = verified.certificate;
  if (await ports.isCertificateRegistered(issuerSha256, serial, now)) {
    throw new ProblemError('already_registered');
  }

  const accountId = ports.newId();
  const { items } = verified;
  const fields: Record<string, string> = {
    gender: items.gender,
    dateOfBirth: items.dateOfBirth,
    address: items.address,
    ...(items.addressFlags ? { addressFlags: items.addressFlags } : {}),
  };
  const { sealed, wrappedDataKey } = await ports.sealFields(accountId, fields);
  const activation = {
    nonce: ports.newNonce(),
    expiresAt: new Date(now.getTime() + ACTIVATION_TTL_SECONDS * 1000),
  };
  await ports.createAccount(
    {
      accountId,
      createdAt: now,
      name: items.name,
      nameFlags: items.nameFlags,
      sealed: sealed as NewAccount['sealed'],
      wrappedDataKey,
      municipality,
      certificate: verified.certificate,
      consents: [
        { kind: 'identityVerification', version: current.terms.version },
        { kind: 'terms', version: current.terms.version },
        { kind: 'privacyPolicy', version: current.privacyPolicy.version },
      ],
      deviceKeys: { auth: statement.authKey, sign: statement.signKey },
      activation,
    },
    { challengeId: statement.challengeId, expiresAt: challenge.expiresAt },
  );
  return {
    accountId,
    status: 'pending_activation',
    municipality: { code: municipality.code, name: municipality.name },
    activation: { nonce: activation.nonce, expiresAt: activation.expiresAt.toISOString() },
  };
}
