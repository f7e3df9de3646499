import * as z from 'zod';
import { base64, base64url, instant, municipalityRef, serverNonce, sha256Hex } from '../shared/schemas.ts';

/**
 * Request and response bodies of the registration routes, one schema each; handlers derive their body
 * types from them, API Gateway validates requests with the same schemas (as JSON Schema) before a function
 * runs, and the OpenAPI document is generated from them.
 */

/** A device public key (P-256, kept in the Secure Enclave or Android Keystore) as a JWK, RFC 7517. */
export const deviceJwk = z
  .strictObject({
    kty: z.literal('EC'),
    crv: z.literal('P-256'),
    x: base64url.length(43),
    y: base64url.length(43),
  })
  .describe('A P-256 public key of the device as a JWK (RFC 7517); x and y are 32 bytes, base64url.');

/**
 * What the card signs at registration: the RSASSA-PKCS1-v1_5 / SHA-256 signature of the card's signature key
 * over the JCS (RFC 8785) bytes of this object.
 */
export const registrationStatement = z
  .strictObject({
    type: z.literal('xid/registration/v1'),
    challengeId: z.string().min(1).max(64),
    nonce: base64url.min(16).max(128),
    termsVersion: z.string().min(1).max(40),
    termsSha256: sha256Hex,
    privacyPolicyVersion: z.string().min(1).max(40),
    privacyPolicySha256: sha256Hex,
    authKey: deviceJwk,
    signKey: deviceJwk,
  })
  .describe(
    'What the card signs at registration: its signature key signs the SHA-256 DigestInfo of the JCS (RFC 8785) bytes of this object (RSASSA-PKCS1-v1_5).',
  );

/** A certificate is at most 4 KiB of DER: 5,464 characters of base64. */
export const MAX_CERTIFICATE_BYTES = 4096;
/** The card's RSA-2048 signature: exactly 256 bytes, 344 characters of base64. */
export const SIGNATURE_BYTES = 256;

/** The card's certificate and signature as the phone sends them (base64), in their sizes. */
export const certificateField = base64.max(Math.ceil(MAX_CERTIFICATE_BYTES / 3) * 4);
export const signatureField = base64.length(Math.ceil(SIGNATURE_BYTES / 3) * 4);

export const registrationBody = z.strictObject({
  statement: registrationStatement,
  certificate: certificateField,
  signature: signatureField,
  consents: z.strictObject({ identityVerification: z.boolean() }),
});

export type RegistrationBody = z.infer<typeof registrationBody>;
export type RegistrationStatement = z.infer<typeof registrationStatement>;

/** The card-signed parts of a request: sizes as `POST /v1/registrations` takes them. */
export const cardSignature = {
  certificate: registrationBody.shape.certificate,
  signature: registrationBody.shape.signature,
};

/** `POST /v1/registration/challenges` takes no body, or an empty object. */
export const emptyBody = z.strictObject({}).optional();

const termsDigest = z.strictObject({ version: z.string().min(1), sha256: sha256Hex });

/** `POST /v1/registration/challenges` → 201: the nonce to sign and the terms the statement must name. */
export const registrationChallengeResponse = z.strictObject({
  challengeId: z.uuid(),
  nonce: serverNonce,
  expiresAt: instant,
  terms: termsDigest,
  privacyPolicy: termsDigest,
});

/** `POST /v1/registrations` → 201: the new account, waiting for its activation proofs. */
export const registrationResponse = z.strictObject({
  accountId: z.uuid(),
  status: z.literal('pending_activation'),
  municipality: municipalityRef,
  activation: z.strictObject({ nonce: serverNonce, expiresAt: instant }),
});

export type RegistrationChallengeResponse = z.infer<typeof registrationChallengeResponse>;
export type RegistrationResponse = z.infer<typeof registrationResponse>;
