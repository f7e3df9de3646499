import {
  children,
  content,
  DerError,
  decodeOid,
  decodeTime,
  expectTag,
  integerHex,
  readTlv,
  TAG,
  type Tlv,
  whole,
} from './der.ts';
import { type TrustAnchor, verifiesWith } from './trust.ts';

/**
 * Certificate revocation lists (RFC 5280 §5), read with the DER reader: only what revocation checking
 * needs, with the revoked serials in a Set so a lookup costs the same for 10 or 100,000 entries.
 */
export interface ParsedCrl {
  tbs: Buffer;
  signatureAlgorithm: string;
  signature: Buffer;
  issuer: Buffer;
  thisUpdate: Date;
  nextUpdate?: Date;
  revoked: Set<string>;
}

export function parseCrl(input: Uint8Array): ParsedCrl {
  const der = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const list = expectTag(readTlv(der, 0), TAG.SEQUENCE, 'CertificateList');
  if (list.end !== der.length) throw new DerError('trailing bytes after the CRL');
  const [tbsTlv, algorithm, signatureTlv] = children(der, list);
  const fields = children(der, expectTag(tbsTlv, TAG.SEQUENCE, 'TBSCertList'));
  let i = fields[0]?.tag === TAG.INTEGER ? 1 : 0;
  i += 1; // signature AlgorithmIdentifier (inner)
  const issuer = whole(der, expectTag(fields[i], TAG.SEQUENCE, 'issuer'));
  const thisTlv = fields[i + 1] as Tlv;
  const thisUpdate = decodeTime(thisTlv, content(der, thisTlv));
  let next = fields[i + 2];
  let nextUpdate: Date | undefined;
  if (next && (next.tag === TAG.UTC_TIME || next.tag === TAG.GENERALIZED_TIME)) {
    nextUpdate = decodeTime(next, content(der, next));
    next = fields[i + 3];
  }
  const revoked = new Set<string>();
  if (next?.tag === TAG.SEQUENCE) {
    // Walk entries without materialising them: each is SEQUENCE { serial INTEGER, date, extensions? }.
    let offset = next.contentStart;
    while (offset < next.end) {
      const entry = readTlv(der, offset, next.end);
      const serial = readTlv(der, entry.contentStart, entry.end);
      if (entry.tag !== TAG.SEQUENCE || serial.tag !== TAG.INTEGER) throw new DerError('malformed CRL entry');
      revoked.add(integerHex(content(der, serial)));
      offset = entry.end;
    }
  }
  const [oid] = children(der, expectTag(algorithm, TAG.SEQUENCE, 'signatureAlgorithm'));
  const bits = content(der, expectTag(signatureTlv, TAG.BIT_STRING, 'signature'));
  return {
    tbs: whole(der, tbsTlv as Tlv),
    signatureAlgorithm: decodeOid(content(der, expectTag(oid, TAG.OID, 'algorithm'))),
    signature: bits.subarray(1),
    issuer,
    thisUpdate,
    nextUpdate,
    revoked,
  };
}

/** Where CRL bytes come from: a file, an HTTPS URL, an S3 object. Injected, so this module stays pure. */
export type FetchBytes = (source: string) => Promise<Uint8Array>;

export type RevocationStatus = 'good' | 'revoked' | 'unknown';

interface CachedCrl {
  crl: ParsedCrl;
  /** When to read the sources again: the CRL's nextUpdate. */
  until: number;
}

/**
 * Answers "is this serial revoked?" per issuing anchor from the configured CRL sources. A CRL counts only
 * if its issuer name is the anchor's and its signature verifies with the anchor's key, and only until its
 * nextUpdate; it is kept in memory until then. When no such CRL can be had, the answer is `unknown`, and
 * the caller fails closed.
 */
export class RevocationChecker {
  private cache = new Map<string, CachedCrl>();
  private loading?: Promise<void>;
  private lastLoad = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly sources: readonly string[],
    private readonly fetchBytes: FetchBytes,
    private readonly anchors: readonly TrustAnchor[],
    private readonly onError: (source: string, error: unknown) => void = () => undefined,
    /** After a read, how long before sources are read again for an anchor still without a CRL. */
    private readonly retryMs = 10_000,
  ) {}

  async status(anchor: TrustAnchor, serial: string, now: Date): Promise<RevocationStatus> {
    let entry = this.cache.get(anchor.fingerprint);
    if ((!entry || entry.until <= now.getTime()) && now.getTime() - this.lastLoad >= this.retryMs) {
      await this.reload(now);
      entry = this.cache.get(anchor.fingerprint);
    }
    if (!entry || entry.until <= now.getTime() || entry.crl.thisUpdate.getTime() > now.getTime() + 300_000) {
      return 'unknown';
    }
    return entry.crl.revoked.has(serial) ? 'revoked' : 'good';
  }

  /** Reads every source once (concurrent callers share the read) and keeps the freshest valid CRL per anchor. */
  private reload(now: Date): Promise<void> {
    this.loading ??= (async () => {
      try {
        this.lastLoad = now.getTime();
        const results = await Promise.allSettled(this.sources.map((source) => this.fetchBytes(source)));
        results.forEach((result, index) => {
          const source = this.sources[index] as string;
          if (result.status === 'rejected') {
            this.onError(source, result.reason);
            return;
          }
          try {
            this.accept(parseCrl(result.value), now);
          } catch (error) {
            this.onError(source, error);
          }
        });
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  private accept(crl: ParsedCrl, now: Date): void {
    if (!crl.nextUpdate || crl.nextUpdate.getTime() <= now.getTime()) return;
    const anchor = this.anchors.find(
      (a) =>
        a.certificate.subject.equals(crl.issuer) &&
        verifiesWith(crl.signatureAlgorithm, crl.tbs, crl.signature, a.publicKey),
    );
    if (!anchor) return;
    const current = this.cache.get(anchor.fingerprint);
    if (current && current.crl.thisUpdate >= crl.thisUpdate && current.until > now.getTime()) return;
    this.cache.set(anchor.fingerprint, { crl, until: crl.nextUpdate.getTime() });
  }
}
