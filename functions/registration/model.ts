import type { DeviceJwk, SealedField } from '../account/model.ts';
import type { ActivityEvent } from '../activity/model.ts';
import type { VerifiedCertificate } from '../jpki/verify.ts';
import type { Municipality } from '../municipality/municipalities.ts';

/** A registration still waiting for its activation, as a retry of the same request finds it. */
export interface PendingRegistration {
  accountId: string;
  municipality: Municipality;
  activation: { nonce: string; expiresAt: Date };
  registrationSha256: string;
}

/** How long a registration stays pending: its activation nonce and, with it, every item it wrote. */
export const ACTIVATION_TTL_SECONDS = 10 * 60;

/**
 * When a new activation nonce expires: the window from now, in whole seconds (as the item stores it), so
 * that a registration answered again shows the very same `expiresAt`.
 */
export const activationExpiry = (now: Date) =>
  new Date(Math.floor(now.getTime() / 1000) * 1000 + ACTIVATION_TTL_SECONDS * 1000);

/** Everything the registration transaction writes, in one value. */
export interface NewAccount {
  accountId: string;
  createdAt: Date;
  name: string;
  nameFlags?: string;
  /** Gender, date of birth and address, sealed; plus the KMS-wrapped data key that opens them. */
  sealed: { gender: SealedField; dateOfBirth: SealedField; address: SealedField; addressFlags?: SealedField };
  wrappedDataKey: string;
  municipality: Municipality;
  certificate: VerifiedCertificate['certificate'];
  consents: { kind: 'identityVerification' | 'terms' | 'privacyPolicy'; version: string }[];
  deviceKeys: { auth: DeviceJwk; sign: DeviceJwk };
  activation: { nonce: string; expiresAt: Date };
  /** SHA-256 (hex) of the request body's JCS, kept with the activation nonce, to answer a retry the same. */
  registrationSha256: string;
  /** The first entry of the account's activity log (`registered`), written in the same transaction. */
  activity: ActivityEvent;
}
