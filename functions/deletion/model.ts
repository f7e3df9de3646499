/**
 * Deleting the account (退会, design.md §3.10): what the deletion reads of the account, and what its one
 * transaction removes besides the items under the account's key.
 */
export interface DeletableAccount {
  accountId: string;
  tokenGeneration: number;
  /** The certificate index's key: deleted, so that the same card may register again. */
  certificate: { issuerSha256: string; serial: string };
  /** The index keys of certificates the account held before a re-verification: deleted too. */
  supersededCertificates: { issuerSha256: string; serial: string }[];
  /** The e-mail confirmation link that still works, if any (its item names the account). */
  emailTokenHash?: string;
  /** The current e-mail address, whose sign-in hint index entry (if confirmed) names the account. */
  emailAddress?: string;
}

/** The step-up challenge a sign proof named (design.md §3.6), used up by the deletion's transaction. */
export interface UsedChallenge {
  challengeId: string;
  nonce: string;
}

export interface Deletion {
  account: DeletableAccount;
  challenge: UsedChallenge;
  at: Date;
  /** The push endpoint that was removed from SNS, whose endpoint → account index goes too. */
  removedEndpoint?: string;
}

/** The type of a deletion's sign proof (`xid/deletion/v1`). */
export const DELETION_PURPOSE = 'deletion';
