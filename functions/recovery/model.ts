import type { AccountStatus, DeviceJwk, EmailSummary } from '../account/model.ts';
import type { ActivityEvent, ActivityHead } from '../activity/model.ts';
import type { Municipality } from '../municipality/municipalities.ts';

/** The account a recovery finds by its certificate, as far as the recovery needs it. */
export interface RecoverableAccount {
  accountId: string;
  status: AccountStatus;
  tokenGeneration: number;
  activity?: ActivityHead;
  municipality: Municipality;
  email?: EmailSummary;
  /** The account's current certificate (the index key): the one the recovery must be signed with. */
  certificate: { issuerSha256: string; serial: string };
  /** The status to return to after the activation, if the account was waiting for something else. */
  resumeStatus?: AccountStatus;
}

/** Everything the recovery transaction writes and removes, in one value. */
export interface Recovery {
  account: RecoverableAccount;
  at: Date;
  deviceKeys: { auth: DeviceJwk; sign: DeviceJwk };
  activation: { nonce: string; expiresAt: Date };
  /** The push device whose endpoint was removed, if there was one. */
  removedEndpoint?: string;
  activity: ActivityEvent;
}
