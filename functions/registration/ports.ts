import type { SealedField } from '../account/model.ts';
import type { VerifiedCertificate } from '../jpki/verify.ts';
import type { Municipality } from '../municipality/municipalities.ts';
import type { Challenges } from '../shared/challenges.ts';
import type { CurrentTerms } from '../terms/legal-texts.ts';
import type { NewAccount, PendingRegistration } from './model.ts';

/** What registration needs from the world; adapters implement it with DynamoDB, KMS and the JPKI verifier. */
export interface RegistrationPorts {
  /** Stateless challenges: made and checked without the table. */
  challenges: Challenges;
  /** Whether a challenge was used already (its use is recorded by `createAccount`). */
  challengeUsed(challengeId: string): Promise<boolean>;
  currentTerms(): CurrentTerms;
  verifyCard(certificate: Buffer, message: Buffer, signature: Buffer): Promise<VerifiedCertificate>;
  municipalityOf(address: string): Municipality | undefined;
  /** Whether an account holds the certificate (a pending registration only until it expires). */
  isCertificateRegistered(issuerSha256: string, serial: string, now: Date): Promise<boolean>;
  /**
   * The account registered with this certificate, if it is still waiting for its activation (and its
   * activation nonce is unused): for answering a retried registration the same.
   */
  pendingRegistration(issuerSha256: string, serial: string): Promise<PendingRegistration | undefined>;
  /** Envelope encryption: one data key for the account, AES-256-GCM per field, bound to account and field. */
  sealFields(
    accountId: string,
    fields: Record<string, string>,
  ): Promise<{ sealed: Record<string, SealedField>; wrappedDataKey: string }>;
  /**
   * One transaction: record the challenge's use (kept until it expires), write the account, certificate
   * index, consents, device keys and activation nonce. Throws `ProblemError('challenge_invalid')` or
   * `ProblemError('already_registered')` when a condition fails, having written nothing.
   */
  createAccount(account: NewAccount, challenge: { challengeId: string; expiresAt: Date }): Promise<void>;
  newId(): string;
  newNonce(): string;
  now(): Date;
}
