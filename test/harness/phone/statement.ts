import type { JsonWebKey } from 'node:crypto';

/** What `POST /v1/registration/challenges` and `GET /v1/terms` give the phone to build a statement from. */
export interface ChallengeForStatement {
  challengeId: string;
  nonce: string;
  terms: { version: string; sha256: string };
  privacyPolicy: { version: string; sha256: string };
}

/**
 * The registration statement of design.md §3.2: it binds the server's challenge, the terms the resident
 * agreed to, and the two device public keys. The card signs the SHA-256 DigestInfo of its JCS bytes. A
 * recovery (§3.9) signs the same statement with the type `xid/recovery/v1`.
 */
export function registrationStatement(
  challenge: ChallengeForStatement,
  keys: { auth: JsonWebKey; sign: JsonWebKey },
  type: 'xid/registration/v1' | 'xid/recovery/v1' = 'xid/registration/v1',
) {
  const jwk = ({ kty, crv, x, y }: JsonWebKey) => ({ kty, crv, x, y });
  return {
    type,
    challengeId: challenge.challengeId,
    nonce: challenge.nonce,
    termsVersion: challenge.terms.version,
    termsSha256: challenge.terms.sha256,
    privacyPolicyVersion: challenge.privacyPolicy.version,
    privacyPolicySha256: challenge.privacyPolicy.sha256,
    authKey: jwk(keys.auth),
    signKey: jwk(keys.sign),
  };
}

export type RegistrationStatement = ReturnType<typeof registrationStatement>;
