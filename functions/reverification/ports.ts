import type { AccountRecord, SealedField } from '../account/model.ts';
import type { LinkStatus } from '../jpki/linkage.ts';
import type { VerifiedCertificate } from '../jpki/verify.ts';
import type { Municipality } from '../municipality/municipalities.ts';
import type { MunicipalityRecord } from '../notices/model.ts';
import type { DeviceStorePorts, EndpointPorts } from '../push/ports.ts';
import type { SignProofPorts } from '../step-up/ports.ts';
import type { ReverificationCommit, ReverificationSettings } from './model.ts';

/** What re-verification needs from the world; adapters implement it with DynamoDB, KMS, SNS and the JPKI verifier. */
export interface ReverificationPorts
  extends SignProofPorts,
    Pick<DeviceStorePorts, 'subscription'>,
    Pick<EndpointPorts, 'subscribeEndpoint' | 'unsubscribe'> {
  settings: ReverificationSettings;
  account(accountId: string): Promise<AccountRecord | undefined>;
  verifyCard(certificate: Buffer, message: Buffer, signature: Buffer): Promise<VerifiedCertificate>;
  municipalityOf(address: string): Municipality | undefined;
  isCertificateRegistered(issuerSha256: string, serial: string, now: Date): Promise<boolean>;
  /**
   * With one unwrap of the account's data key (one KMS Decrypt at most): opens `open` and seals `fields`
   * under that same key, with the account id and field name as additional data.
   */
  resealFields(
    accountId: string,
    wrappedDataKey: string,
    open: Record<string, SealedField>,
    fields: Record<string, string>,
  ): Promise<{ opened: Record<string, string>; sealed: Record<string, SealedField> }>;
  /** Whether the certificate linkage says that `newSerial` replaced `oldSerial` (same issuer). */
  certificateLink(issuer: string, oldSerial: string, newSerial: string): Promise<LinkStatus>;
  /** The onboarding record of a municipality; undefined when it does not publish through xID. */
  municipalityRecord(code: string): Promise<MunicipalityRecord | undefined>;
  /** The municipality's push topic, created on first use. */
  ensurePushTopic(code: string): Promise<string>;
  /**
   * One transaction: uses up the challenge, moves the certificate index (the old entry marked superseded),
   * rewrites the account (items, certificate, municipality, status `active`) and the subscription. Throws
   * `challenge_invalid`, `already_registered` or `conflict` when a condition fails, having written nothing.
   */
  commitReverification(change: ReverificationCommit): Promise<void>;
}
