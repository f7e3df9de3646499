import type { DeviceJwk, SealedField } from '../account/model.ts';
import type { VerifiedCertificate } from '../jpki/verify.ts';
import type { Municipality } from '../municipality/municipalities.ts';

/** How long a registration stays pending: its activation nonce and, with it, every item it wrote. */
export const ACTIVATION_TTL_SECONDS = 10 * 60;

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
}
