import type { VerifiedCertificate } from '../jpki/verify.ts';
import type { MailContent } from '../mail/ports.ts';
import type { DeviceStorePorts, EndpointPorts } from '../push/ports.ts';
import type { RegistrationPorts } from '../registration/ports.ts';
import type { CurrentTerms } from '../terms/legal-texts.ts';
import type { RecoverableAccount, Recovery } from './model.ts';

/** What a recovery needs from the world: DynamoDB, the JPKI verifier, SNS and SES. */
export interface RecoveryPorts
  extends Pick<DeviceStorePorts, 'device' | 'subscription'>,
    Pick<EndpointPorts, 'unsubscribe' | 'deleteEndpoint'>,
    Pick<RegistrationPorts, 'challenges' | 'challengeUsed'> {
  currentTerms(): CurrentTerms;
  verifyCard(certificate: Buffer, message: Buffer, signature: Buffer): Promise<VerifiedCertificate>;
  /** The live account whose certificate index names this certificate; undefined when there is none. */
  accountOfCertificate(issuerSha256: string, serial: string): Promise<RecoverableAccount | undefined>;
  /**
   * One transaction: record the challenge's use; the account back to `pending_activation` at the next token
   * generation, with the new device keys and activation nonce; its push device, endpoint index and notice
   * subscription removed; the `device_changed` entry. `challenge_invalid`, or `account_changed` when the
   * account changed since it was read (another recovery, a deletion), having written nothing.
   */
  recover(recovery: Recovery, challenge: { challengeId: string; expiresAt: Date }): Promise<void>;
  send(to: string, content: MailContent, accountId: string): Promise<void>;
  newNonce(): string;
  now(): Date;
}
