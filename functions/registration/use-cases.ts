import { createHash, createPublicKey, timingSafeEqual } from 'node:crypto';
import type { DeviceJwk } from '../account/model.ts';
import { certificateIndexKey } from '../jpki/verify.ts';
import { canonicalBytes, canonicalize } from '../shared/jcs.ts';
import { ProblemError } from '../shared/problems.ts';
import type { CurrentTerms } from '../terms/legal-texts.ts';
import { activationExpiry, type NewAccount } from './model.ts';
import type { RegistrationPorts } from './ports.ts';
import {
  MAX_CERTIFICATE_BYTES,
  type RegistrationBody,
  type RegistrationChallengeResponse,
  type RegistrationResponse,
  type RegistrationStatement,
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

/** The bytes of a base64 body member, refused with `invalid_request` (pointer `/<what>`) outside its size. */
export function decodeBase64(value: string, what: string, max: number, exact?: number): Buffer {
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

/** A card-signed request's certificate and signature, decoded and sized; its device keys, checked. */
export function decodeSignedRequest(body: {
  statement: { authKey: DeviceJwk; signKey: DeviceJwk };
  certificate: string;
  signature: string;
}): { certificate: Buffer; signature: Buffer } {
  const certificate = decodeBase64(body.certificate, 'certificate', MAX_CERTIFICATE_BYTES);
  const signature = decodeBase64(body.signature, 'signature', SIGNATURE_BYTES, SIGNATURE_BYTES);
  for (const [pointer, jwk] of [
    ['/statement/authKey', body.statement.authKey],
    ['/statement/signKey', body.statement.signKey],
  ] as const) {
    try {
      createPublicKey({ key: { ...jwk }, format: 'jwk' });
    } catch {
      throw new ProblemError('invalid_request', 'A device key is not a P-256 public key', {
        errors: [{ pointer, detail: 'not a point on P-256' }],
      });
    }
  }
  return { certificate, signature };
}

/**
 * The registration challenge a card-signed statement names (registration, recovery): made by us for this
 * nonce (its MAC), unexpired, and not used before; undefined otherwise (`challenge_invalid` to the caller).
 */
export async function usableChallenge(
  statement: { challengeId: string; nonce: string },
  ports: Pick<RegistrationPorts, 'challenges' | 'challengeUsed'>,
  now: Date,
): Promise<{ challengeId: string; expiresAt: Date } | undefined> {
  const challenge = await ports.challenges.check('registration', statement, '', now);
  if (!challenge.valid || (await ports.challengeUsed(statement.challengeId))) return undefined;
  return { challengeId: statement.challengeId, expiresAt: challenge.expiresAt };
}

/**
 * `statement_mismatch` unless the statement carries the terms and policy in force (versions and digests),
 * and two different device keys. (Its nonce is the challenge's: `usableChallenge` checked it.)
 */
export function checkStatement(statement: Omit<RegistrationStatement, 'type'>, current: CurrentTerms): void {
  const matches =
    statement.termsVersion === current.terms.version &&
    statement.termsSha256 === current.terms.sha256 &&
    statement.privacyPolicyVersion === current.privacyPolicy.version &&
    statement.privacyPolicySha256 === current.privacyPolicy.sha256 &&
    (statement.authKey.x !== statement.signKey.x || statement.authKey.y !== statement.signKey.y);
  if (!matches) throw new ProblemError('statement_mismatch');
}

/**
 * What `POST /v1/registrations` answers (201), and a recovery (200): the account, waiting for its
 * activation.
 */
export function pendingActivation(
  accountId: string,
  municipality: { code: string; name: string },
  activation: { nonce: string; expiresAt: Date },
) {
  return {
    accountId,
    status: 'pending_activation' as const,
    municipality: { code: municipality.code, name: municipality.name },
    activation: { nonce: activation.nonce, expiresAt: activation.expiresAt.toISOString() },
  };
}

/**
 * A lost response (design.md §3.9): the same body sent again, whose challenge its first sending used,
 * finds the account it created by the certificate, and is answered the same 201 while that account waits
 * for its activation. Only a byte-for-byte equal body (by its JCS) matches, so nothing about it needs
 * checking again; undefined otherwise.
 */
async function sameRegistrationAgain(
  certificate: Buffer,
  registrationSha256: string,
  ports: RegistrationPorts,
  now: Date,
) {
  const key = certificateIndexKey(certificate);
  const pending = key && (await ports.pendingRegistration(key.issuerSha256, key.serial));
  if (!pending || pending.activation.expiresAt <= now) return undefined;
  const a = Buffer.from(pending.registrationSha256);
  const b = Buffer.from(registrationSha256);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return undefined;
  return pendingActivation(pending.accountId, pending.municipality, pending.activation);
}

/**
 * `POST /v1/registrations`: every check of design.md §3.2 in the table's order, then one transaction.
 * Nothing is written unless every check passed; the challenge is consumed inside that transaction. The
 * same body again, after its challenge was used by it, answers the same 201 (a lost response).
 */
export async function register(
  body: RegistrationBody,
  ports: RegistrationPorts,
): Promise<RegistrationResponse> {
  const { statement } = body;
  const { certificate, signature } = decodeSignedRequest(body);
  const registrationSha256 = createHash('sha256').update(canonicalize(body)).digest('hex');
  const now = ports.now();
  const challenge = await usableChallenge(statement, ports, now);
  if (!challenge) {
    const again = await sameRegistrationAgain(certificate, registrationSha256, ports, now);
    if (again) return again;
    throw new ProblemError('challenge_invalid');
  }

  checkStatement(statement, ports.currentTerms());

  if (body.consents.identityVerification !== true) throw new ProblemError('consent_required');

  const verified = await ports.verifyCard(certificate, canonicalBytes(statement), signature);

  const municipality = ports.municipalityOf(verified.items.address);
  if (!municipality) throw new ProblemError('municipality_unknown');

  const { issuerSha256, serial } = verified.certificate;
  if (await ports.isCertificateRegistered(issuerSha256, serial, now)) {
    // The same body sent twice at once, the other one committed first: answer what it made.
    const again = await sameRegistrationAgain(certificate, registrationSha256, ports, now);
    if (again) return again;
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
    expiresAt: activationExpiry(now),
  };
  try {
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
          { kind: 'identityVerification', version: statement.termsVersion },
          { kind: 'terms', version: statement.termsVersion },
          { kind: 'privacyPolicy', version: statement.privacyPolicyVersion },
        ],
        deviceKeys: { auth: statement.authKey, sign: statement.signKey },
        activation,
        registrationSha256,
        activity: { type: 'registered', at: now, detail: { municipality: municipality.code } },
      },
      challenge,
    );
  } catch (error) {
    // The same body sent twice at once: the first used the challenge (or took the certificate); the
    // second answers what it made.
    const again =
      error instanceof ProblemError &&
      (error.code === 'challenge_invalid' || error.code === 'already_registered')
        ? await sameRegistrationAgain(certificate, registrationSha256, ports, now)
        : undefined;
    if (again) return again;
    throw error;
  }
  return pendingActivation(accountId, municipality, activation);
}
