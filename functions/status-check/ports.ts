/**
 * What the status check (現況確認, design.md §3.7) needs from the world, owned here. The handler builds
 * these from adapters (CRL sources, the table, SNS, SES); the unit tests build them in memory.
 */

/** A CRL entry as the status check reads it. */
export interface RevocationEntry {
  /** Epoch milliseconds. */
  revocationDate: number;
  /** RFC 5280 CRLReason, when the entry has one. */
  reason?: number;
}

/** One usable CRL: verified, complete, covering one scope (a municipality's partition, or a whole CA). */
export interface RevocationList {
  /** Stable across issues of the same partition: what the status check keeps its state under. */
  id: string;
  /** The distribution point as text, for logs. */
  label: string;
  /** SHA-256 (hex) of the issuer Name: with a serial, the key of the certificate index. */
  issuerSha256: string;
  thisUpdate: Date;
  revoked: ReadonlyMap<string, RevocationEntry>;
}

/**
 * The serials of a CRL that the previous run saw, their digest, and those that were new to it (`recent`):
 * those are looked up once more, because a registration verified against a CRL read just before the
 * revocation appeared (a container reads its sources at most every 5 minutes) may commit after the run
 * that first saw the serial.
 */
export interface SeenSerials {
  digest: string;
  recent: ReadonlySet<string>;
  /** The serials themselves: read only when the digest differs (a large CRL's set is a megabyte). */
  serials(): Promise<ReadonlySet<string>>;
}

/** Where to tell a resident: their device endpoint, if pushes reach it, and their address, if verified. */
export interface Recipient {
  endpointArn?: string;
  email?: string;
}

export interface Reverification {
  reason: string;
  /** ISO time: when the certificate was revoked. */
  since: string;
}

export interface StatusCheckPorts {
  /** Every usable CRL now (sources read afresh). */
  crls(): Promise<RevocationList[]>;
  seenSerials(crlId: string): Promise<SeenSerials | undefined>;
  /**
   * Records the serials a CRL has now, unless another run recorded something else since `previousDigest`
   * was read (then false, and nothing is changed).
   */
  recordSerials(
    crlId: string,
    previousDigest: string | undefined,
    next: {
      digest: string;
      serials: readonly string[];
      recent: readonly string[];
      label: string;
      thisUpdate: Date;
    },
  ): Promise<boolean>;
  /** Certificate index lookups: the account registered with each serial of this issuer, where one is. */
  accountsOf(issuerSha256: string, serials: readonly string[]): Promise<Map<string, string>>;
  /**
   * Moves the account to `reverification_required` if this certificate is still its current one and it
   * is not there already, marking a notice as owed: `moved`. Otherwise `owed` when a notice from an
   * earlier move is still owed (a run stopped before sending it), else `none`.
   */
  requireReverification(
    accountId: string,
    certificate: { issuerSha256: string; serial: string },
    reverification: Reverification,
  ): Promise<'moved' | 'owed' | 'none'>;
  /** Takes the owed notice of an account (only one caller ever gets it), with where to send it. */
  claimNotice(accountId: string): Promise<Recipient | undefined>;
  /** Gives a claimed notice back after sending failed, so that the next run tries again. */
  releaseNotice(accountId: string): Promise<void>;
  /** One push to the resident's own device endpoint; `disabled` when SNS no longer delivers there. */
  pushToDevice(endpointArn: string, message: string): Promise<'sent' | 'disabled'>;
  sendMail(
    accountId: string,
    to: string,
    content: { subject: string; text: string; html: string },
  ): Promise<void>;
}
