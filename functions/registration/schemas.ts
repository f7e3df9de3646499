import { z } from 'zod';

/**
 * Request bodies of the registration routes, one schema each; handlers derive their body types from them
 * and API Gateway validates with the same schemas (as JSON Schema) before a function runs.
 */
const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');
const base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64');
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be lower-case hex SHA-256');

export const deviceJwk = z.strictObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: base64url.length(43),
  y: base64url.length(43),
});

export const registrationStatement = z.strictObject({
  type: z.literal('xid/registration/v1'),
  challengeId: z.string().min(1).max(64),
  nonce: base64url.min(16).max(128),
  termsVersion: z.string().min(1).max(40),
  termsSha256: sha256Hex,
  privacyPolicyVersion: z.string().min(1).max(40),
  privacyPolicySha256: sha256Hex,
  authKey: deviceJwk,
  signKey: deviceJwk,
});

/** A certificate is at most 4 KiB of DER: 5,464 characters of base64. */
export const MAX_CERTIFICATE_BYTES = 4096;
/** The card's RSA-2048 signature: exactly 256 bytes, 344 characters of base64. */
export const SIGNATURE_BYTES = 256;

export const registrationBody = z.strictObject({
  statement: registrationStatement,
  certificate: base64.max(Math.ceil(MAX_CERTIFICATE_BYTES / 3) * 4),
  signature: base64.length(Math.ceil(SIGNATURE_BYTES / 3) * 4),
  consents: z.strictObject({ identityVerification: z.boolean() }),
});

export type RegistrationBody = z.infer<typeof registrationBody>;

/** `POST /v1/registration/challenges` takes no body, or an empty object. */
export const emptyBody = z.strictObject({}).optional();
