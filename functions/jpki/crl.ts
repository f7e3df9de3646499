import { createHash } from 'node:crypto';
import {
  EXTENSION,
  type Extensions,
  type ParsedCertificate,
  readAlgorithm,
  readExtensions,
  readName,
  readSignature,
} from './certificate.ts';
import {
  checkDer,
  children,
  childrenOf,
  content,
  DerError,
  decodeOid,
  expectTag,
  readBoolean,
  readSmallInteger,
  readTime,
  readTlv,
  readWhole,
  serialHex,
  TAG,
  type Tlv,
  timeAt,
  whole,
} from './der.ts';
import {
  certificateScopeKeys,
  distributionPointNameKeys,
  scopeLabel,
  WHOLE_ISSUER,
} from './distribution-points.ts';
import { SHA256_WITH_RSA, type TrustAnchor, verifiesWith } from './trust.ts';

/**
 * Certificate revocation lists (RFC 5280 §5) and their use (§6.3). `parseCrl` reads a CRL completely and
 * strictly, keeping the revoked serials in a Map so that a lookup costs the same for 10 or 100,000
 * entries. `assessCrl` decides whether a CRL may be used at all and for which certificates, and
 * `RevocationChecker` keeps the usable ones per (trust anchor, distribution point), reading its sources
 * again when they change.
 */

/** RFC 5280 §5.3.1 CRLReason codes (7 is unused). */
export const CRL_REASON = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;

export interface CrlEntry {
  /** Epoch milliseconds. */
  revocationDate: number;
  /** The entry's reasonCode, when it has one. */
  reason?: number;
  /** The entry's invalidityDate (epoch milliseconds), when it has one. */
  invalidityDate?: number;
}

export interface IssuingDistributionPoint {
  /** Keys of the distribution point's names (see distribution-points.ts); empty when it names none. */
  names: string[];
  onlyContainsUserCerts: boolean;
  onlyContainsCACerts: boolean;
  onlySomeReasons: boolean;
  indirectCrl: boolean;
  onlyContainsAttributeCerts: boolean;
}

export interface ParsedCrl {
  tbs: Buffer;
  signatureAlgorithm: string;
  tbsSignatureAlgorithm: string;
  signature: Buffer;
  /** 1 or 2. */
  version: number;
  /** DER of the issuer Name. */
  issuer: Buffer;
  thisUpdate: Date;
  nextUpdate: Date;
  /** Revoked serials (lower-case hex without leading zeros, as in certificates) and their entries. */
  revoked: Map<string, CrlEntry>;
  extensions: Extensions;
  /** cRLNumber as hex, when present. */
  crlNumber?: string;
  /** True for a delta CRL (deltaCRLIndicator present): never used on its own. */
  delta: boolean;
  issuingDistributionPoint?: IssuingDistributionPoint;
  /** Critical CRL and CRL entry extensions this reader does not process: such a CRL must not be used. */
  unrecognisedCritical: string[];
}

/** CRL extensions this module understands (RFC 5280 §5.2); any other critical one makes the CRL unusable. */
const KNOWN_CRL_EXTENSIONS = new Set<string>([
  EXTENSION.authorityKeyIdentifier,
  EXTENSION.issuerAltName,
  EXTENSION.cRLNumber,
  EXTENSION.deltaCRLIndicator,
  EXTENSION.issuingDistributionPoint,
  EXTENSION.freshestCRL,
  EXTENSION.authorityInfoAccess,
]);

/** The single TLV that an extension value holds. */
function extensionTlv(value: Buffer, tag: number, what: string): Tlv {
  const tlv = readWhole(value, tag, what);
  checkDer(value, tlv);
  return tlv;
}

function parseIssuingDistributionPoint(value: Buffer, issuer: Buffer): IssuingDistributionPoint {
  const idp: IssuingDistributionPoint = {
    names: [],
    onlyContainsUserCerts: false,
    onlyContainsCACerts: false,
    onlySomeReasons: false,
    indirectCrl: false,
    onlyContainsAttributeCerts: false,
  };
  let last = -1;
  for (const part of children(value, extensionTlv(value, TAG.SEQUENCE, 'IssuingDistributionPoint'))) {
    const n = part.tag & 0x1f;
    if ((part.tag & 0xc0) !== 0x80 || n > 5 || n <= last)
      throw new DerError('IssuingDistributionPoint: unexpected field');
    last = n;
    if (n === 0) {
      if (part.tag !== 0xa0) throw new DerError('IssuingDistributionPoint: malformed distributionPoint');
      idp.names = distributionPointNameKeys(value, part, issuer);
    } else if (n === 3) {
      if (part.tag !== 0x83) throw new DerError('IssuingDistributionPoint: malformed onlySomeReasons');
      idp.onlySomeReasons = true;
    } else {
      // DER leaves out a BOOLEAN that is FALSE (DEFAULT FALSE): present means TRUE.
      if (!readBoolean(value, part, 'IssuingDistributionPoint flag', part.tag))
        throw new DerError('IssuingDistributionPoint: FALSE is not encoded in DER');
      const flag = (
        [
          undefined,
          'onlyContainsUserCerts',
          'onlyContainsCACerts',
          undefined,
          'indirectCrl',
          'onlyContainsAttributeCerts',
        ] as const
      )[n] as 'onlyContainsUserCerts';
      idp[flag] = true;
    }
  }
  return idp;
}

/** The byte after `55 1D` in the DER of the entry extension OIDs `2.5.29.x`. */
const REASON_CODE = 0x15;
const HOLD_INSTRUCTION = 0x17;
const INVALIDITY_DATE = 0x18;

/**
 * Reads one revokedCertificates entry into `revoked`, adding the OIDs of unknown critical entry
 * extensions to `unknown`. Entries are most of a large CRL, so this reads them with as little
 * allocation as it can, but as strictly as `checkDer` would.
 */
function readEntry(der: Buffer, entryTlv: Tlv, revoked: Map<string, CrlEntry>, unknown: Set<string>): void {
  if (entryTlv.tag !== TAG.SEQUENCE) throw new DerError('CRL entry: expected a SEQUENCE');
  const serialTlv = readTlv(der, entryTlv.contentStart, entryTlv.end);
  const serial = serialHex(der, serialTlv, 'userCertificate');
  const dateTlv = readTlv(der, serialTlv.end, entryTlv.end);
  const entry: CrlEntry = { revocationDate: timeAt(der, dateTlv.tag, dateTlv.contentStart, dateTlv.end) };
  if (dateTlv.end < entryTlv.end) {
    const list = readTlv(der, dateTlv.end, entryTlv.end);
    if (list.end !== entryTlv.end) throw new DerError('CRL entry: too many parts');
    checkDer(der, list);
    const extensions = childrenOf(der, list, TAG.SEQUENCE, 'crlEntryExtensions');
    if (extensions.length === 0) throw new DerError('crlEntryExtensions: empty');
    let seen = '';
    for (const ext of extensions) {
      const parts = childrenOf(der, ext, TAG.SEQUENCE, 'Extension');
      if (parts.length < 2 || parts.length > 3) throw new DerError('Extension: wrong number of parts');
      const id = expectTag(parts[0], TAG.OID, 'extnID');
      const critical = parts.length === 3 ? readBoolean(der, parts[1], 'critical') : false;
      const value = content(der, expectTag(parts[parts.length - 1], TAG.OCTET_STRING, 'extnValue'));
      const known =
        id.end - id.contentStart === 3 && der[id.contentStart] === 0x55 && der[id.contentStart + 1] === 0x1d
          ? (der[id.contentStart + 2] as number)
          : -1;
      const key = known >= 0 ? String(known) : decodeOid(content(der, id));
      if (seen.includes(`|${key}|`)) throw new DerError('an entry extension appears twice');
      seen += `|${key}|`;
      if (known === REASON_CODE) {
        const reason = readSmallInteger(value, extensionTlv(value, 0x0a, 'reasonCode'), 'reasonCode', 0x0a);
        if (reason > 10 || reason === 7) throw new DerError('reasonCode: unknown reason');
        entry.reason = reason;
      } else if (known === INVALIDITY_DATE) {
        const time = extensionTlv(value, TAG.GENERALIZED_TIME, 'invalidityDate');
        entry.invalidityDate = timeAt(value, time.tag, time.contentStart, time.end);
      } else if (critical && known !== HOLD_INSTRUCTION) {
        unknown.add(decodeOid(content(der, id)));
      }
    }
  }
  if (revoked.has(serial)) throw new DerError('a serial is listed twice');
  revoked.set(serial, entry);
}

/** Parses a DER CRL completely; throws `DerError` for anything that is not one. Judges nothing. */
export function parseCrl(input: Uint8Array): ParsedCrl {
  const der = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const list = readWhole(der, TAG.SEQUENCE, 'CertificateList');
  const [tbsTlv, algorithm, signatureTlv, extra] = children(der, list);
  if (extra) throw new DerError('CertificateList has more than three parts');
  const fields = childrenOf(der, tbsTlv, TAG.SEQUENCE, 'TBSCertList');
  let i = 0;
  let version = 1;
  if (fields[0]?.tag === TAG.INTEGER) {
    if (readSmallInteger(der, fields[0], 'version') !== 1) throw new DerError('unknown CRL version');
    version = 2;
    i = 1;
  }
  const tbsSignatureAlgorithm = readAlgorithm(der, fields[i], 'signature AlgorithmIdentifier');
  const issuer = readName(der, fields[i + 1], 'issuer');
  const thisUpdate = readTime(der, fields[i + 2], 'thisUpdate');
  // Everything but the entries is checked as DER in one go; entries are checked as they are read.
  for (const part of fields.slice(0, i + 2)) checkDer(der, part);
  i += 3;
  // nextUpdate is OPTIONAL in the ASN.1 but required of every conforming CRL issuer (RFC 5280 §5.1.2.5),
  // and without it nothing says how long a CRL may be trusted: refused as malformed.
  const nextUpdate = readTime(der, fields[i], 'nextUpdate (required by RFC 5280 §5.1.2.5)');
  i += 1;
  const revoked = new Map<string, CrlEntry>();
  const unknown = new Set<string>();
  if (fields[i]?.tag === TAG.SEQUENCE) {
    const entries = fields[i] as Tlv;
    // Walk entries without materialising the list: a CRL may hold 100,000 of them.
    for (let offset = entries.contentStart; offset < entries.end; ) {
      const entry = readTlv(der, offset, entries.end);
      readEntry(der, entry, revoked, unknown);
      offset = entry.end;
    }
    i += 1;
  }
  let extensions: Extensions = new Map();
  if (fields[i]?.tag === 0xa0) {
    checkDer(der, fields[i] as Tlv);
    const [inner, more] = children(der, fields[i] as Tlv);
    if (more) throw new DerError('crlExtensions: more than one list');
    extensions = readExtensions(der, inner, 'crlExtensions');
    i += 1;
  }
  if (fields[i]) throw new DerError('unexpected field in TBSCertList');
  checkDer(der, expectTag(algorithm, TAG.SEQUENCE, 'signatureAlgorithm'));
  checkDer(der, expectTag(signatureTlv, TAG.BIT_STRING, 'signature'));

  let crlNumber: string | undefined;
  let issuingDistributionPoint: IssuingDistributionPoint | undefined;
  for (const [oid, { critical, value }] of extensions) {
    if (oid === EXTENSION.cRLNumber || oid === EXTENSION.deltaCRLIndicator) {
      const number = serialHex(value, extensionTlv(value, TAG.INTEGER, oid), oid);
      if (oid === EXTENSION.cRLNumber) crlNumber = number;
    } else if (oid === EXTENSION.issuingDistributionPoint) {
      issuingDistributionPoint = parseIssuingDistributionPoint(value, issuer);
    } else if (critical && !KNOWN_CRL_EXTENSIONS.has(oid)) {
      unknown.add(oid);
    }
  }

  return {
    tbs: whole(der, tbsTlv as Tlv),
    signatureAlgorithm: readAlgorithm(der, algorithm, 'signatureAlgorithm'),
    tbsSignatureAlgorithm,
    signature: readSignature(der, signatureTlv),
    version,
    issuer,
    thisUpdate,
    nextUpdate,
    revoked,
    extensions,
    crlNumber,
    delta: extensions.has(EXTENSION.deltaCRLIndicator),
    issuingDistributionPoint,
    unrecognisedCritical: [...unknown],
  };
}

/** A CRL that may be used: verified, complete, and what it covers. Holds no bytes of the CRL. */
export interface UsableCrl {
  anchor: TrustAnchor;
  /** SHA-256 (hex) of the issuer Name's DER, as in the certificate index. */
  issuerSha256: string;
  /** Keys of the distribution points it covers, or `[WHOLE_ISSUER]`. */
  scope: string[];
  /** The first of them as text, for logs. */
  label: string;
  thisUpdate: Date;
  nextUpdate: Date;
  crlNumber?: string;
  revoked: Map<string, CrlEntry>;
}

const ALGORITHM_NAMES: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
};

/** Keys a CRL covers: its IssuingDistributionPoint's names, or all of its issuer's certificates. */
export function crlScope(crl: ParsedCrl): string[] {
  const idp = crl.issuingDistributionPoint;
  if (!idp || idp.names.length === 0) return [WHOLE_ISSUER];
  return idp.names;
}

/**
 * Whether a parsed CRL may be used (RFC 5280 §6.3.3, design.md §3.7): signed by a trust anchor with
 * sha256WithRSAEncryption, a complete CRL (no delta, no indirect CRL, all reasons), no unrecognised critical
 * extension, for end-entity certificates, and not issued in the future. Returns the
 * usable CRL, or why not. Staleness is not judged here: it changes with time (see `freshness`).
 */
export function assessCrl(
  crl: ParsedCrl,
  anchors: readonly TrustAnchor[],
  now: Date,
  skewMs: number,
): UsableCrl | { refused: string; future?: boolean } {
  const scope = crlScope(crl);
  for (const algorithm of [crl.signatureAlgorithm, crl.tbsSignatureAlgorithm]) {
    if (algorithm !== SHA256_WITH_RSA)
      return {
        refused: `signed with ${ALGORITHM_NAMES[algorithm] ?? algorithm}; only sha256WithRSAEncryption is accepted`,
      };
  }
  const anchor = anchors.find(
    (a) =>
      a.certificate.subject.equals(crl.issuer) &&
      verifiesWith(crl.signatureAlgorithm, crl.tbs, crl.signature, a.publicKey),
  );
  if (!anchor) return { refused: 'not signed by a configured trust anchor' };
  if (crl.delta) return { refused: 'a delta CRL is never used on its own' };
  if (crl.unrecognisedCritical.length > 0)
    return { refused: `unrecognised critical extension ${crl.unrecognisedCritical.join(', ')}` };
  const idp = crl.issuingDistributionPoint;
  if (idp?.indirectCrl) return { refused: 'an indirect CRL' };
  if (idp?.onlySomeReasons) return { refused: 'covers only some revocation reasons' };
  if (idp?.onlyContainsCACerts || idp?.onlyContainsAttributeCerts)
    return { refused: 'covers no end-entity certificates' };
  if (crl.thisUpdate.getTime() > now.getTime() + skewMs)
    return { refused: `thisUpdate ${crl.thisUpdate.toISOString()} is in the future`, future: true };
  return {
    anchor,
    issuerSha256: createHash('sha256').update(crl.issuer).digest('hex'),
    scope,
    label: scopeLabel(scope[0] as string),
    thisUpdate: crl.thisUpdate,
    nextUpdate: crl.nextUpdate,
    crlNumber: crl.crlNumber,
    revoked: crl.revoked,
  };
}

/** Why a usable CRL may not answer now, or undefined when it is fresh (design.md §3.7). */
export function freshness(crl: UsableCrl, now: Date, maxAgeMs: number): string | undefined {
  if (crl.nextUpdate.getTime() <= now.getTime())
    return `stale: its nextUpdate ${crl.nextUpdate.toISOString()} has passed`;
  if (crl.thisUpdate.getTime() < now.getTime() - maxAgeMs)
    return `too old: its thisUpdate ${crl.thisUpdate.toISOString()} is more than ${maxAgeMs / 3_600_000} hours ago`;
  return undefined;
}

/** One CRL object of a source: a file, an S3 object, a URL. `version` when listing tells it cheaply. */
export interface CrlObject {
  source: string;
  id: string;
  version?: string;
}

/** Where CRL bytes come from (files, HTTPS, S3 keys or prefixes). Injected, so this module stays pure. */
export interface CrlReader {
  /** The objects the configured sources stand for now, and the sources that could not be listed. */
  list(): Promise<{ objects: CrlObject[]; failed: { source: string; error: unknown }[] }>;
  /** An object's bytes and version, or `unchanged` when it still has the version `known`. */
  read(object: CrlObject, known?: string): Promise<{ bytes: Uint8Array; version?: string } | 'unchanged'>;
}

/** What the checker reports, without personal data: sources, distribution points and reasons only. */
export interface RevocationLog {
  sourceFailed(source: string, error: unknown): void;
  refused(object: string, reason: string, distributionPoint?: string): void;
  unavailable(distributionPoint: string, reason: string): void;
}

export type RevocationStatus =
  | { status: 'good' }
  | { status: 'revoked'; entry: CrlEntry }
  | { status: 'unknown'; distributionPoint: string; reason: string };

/** How soon the sources may be read again while a certificate finds no usable CRL, by default. */
export const CRL_RETRY_MS = 10_000;

export interface RevocationCheckerOptions {
  reader: CrlReader;
  anchors: readonly TrustAnchor[];
  log?: Partial<RevocationLog>;
  /** A CRL whose thisUpdate is older than this is not used (the stage's `maxCrlAgeHours`; default 48). */
  maxCrlAgeHours?: number;
  /** How often the sources are checked for changes (default 5 minutes). */
  refreshMs?: number;
  /** When no usable CRL covers a certificate, how soon the sources may be checked again (default 10 s). */
  retryMs?: number;
  /** How far in the future a thisUpdate may be (clock skew; default 5 minutes). */
  skewMs?: number;
  /** Objects read at once (default 16). */
  concurrency?: number;
}

type Known =
  | { source: string; version?: string; crl: UsableCrl }
  | { source: string; version?: string; refused: string; scope: string[] };

/**
 * Answers "is this certificate revoked?" from the configured CRL sources. CRLs are kept per (anchor,
 * distribution point), the newest thisUpdate winning; sources are checked for changes at most every
 * `refreshMs` (and, while a certificate finds no usable CRL, at most every `retryMs`), and only objects
 * whose version changed are read again, so a thousand partition CRLs cost one listing per check. Callers
 * that arrive during a read share it. Without a covering, verifying, fresh CRL the answer is `unknown`,
 * and the caller fails closed.
 */
export class RevocationChecker {
  private readonly known = new Map<string, Known>();
  /** Anchor fingerprint → scope key → the newest usable CRL. */
  private index = new Map<string, Map<string, UsableCrl>>();
  /** The latest refusal per scope key, to say why a distribution point has no CRL. */
  private refusals = new Map<string, string>();
  private loading?: Promise<void>;
  private lastRefresh = Number.NEGATIVE_INFINITY;
  private readonly log: Partial<RevocationLog>;
  private readonly maxAgeMs: number;
  private readonly refreshMs: number;
  private readonly retryMs: number;
  private readonly skewMs: number;

  constructor(private readonly options: RevocationCheckerOptions) {
    this.log = options.log ?? {};
    this.maxAgeMs = (options.maxCrlAgeHours ?? 48) * 3_600_000;
    this.refreshMs = options.refreshMs ?? 300_000;
    this.retryMs = options.retryMs ?? CRL_RETRY_MS;
    this.skewMs = options.skewMs ?? 300_000;
  }

  async status(anchor: TrustAnchor, certificate: ParsedCertificate, now: Date): Promise<RevocationStatus> {
    const keys = certificateScopeKeys(certificate);
    if (now.getTime() - this.lastRefresh >= this.refreshMs) await this.refresh(now);
    else if (this.loading) await this.loading;
    let answer = this.lookup(anchor, keys, certificate.serial, now);
    if (answer.status === 'unknown' && now.getTime() - this.lastRefresh >= this.retryMs) {
      await this.refresh(now);
      answer = this.lookup(anchor, keys, certificate.serial, now);
    }
    if (answer.status === 'unknown') this.log.unavailable?.(answer.distributionPoint, answer.reason);
    return answer;
  }

  /**
   * Every usable CRL after checking the sources now, one per covered scope (fresh or not: an entry on a
   * stale CRL is still a revocation). For the status check.
   */
  async usable(now: Date): Promise<UsableCrl[]> {
    await this.refresh(now);
    return [...new Set([...this.index.values()].flatMap((byScope) => [...byScope.values()]))];
  }

  private lookup(anchor: TrustAnchor, keys: string[], serial: string, now: Date): RevocationStatus {
    const byScope = this.index.get(anchor.fingerprint);
    const candidates = byScope ? keys.flatMap((key) => byScope.get(key) ?? []) : [];
    const fresh = candidates.filter((crl) => freshness(crl, now, this.maxAgeMs) === undefined);
    for (const crl of fresh) {
      const entry = crl.revoked.get(serial);
      if (entry) return { status: 'revoked', entry };
    }
    if (fresh.length > 0) return { status: 'good' };
    const distributionPoint = scopeLabel(keys[0] as string);
    if (candidates.length > 0)
      return {
        status: 'unknown',
        distributionPoint,
        reason: freshness(candidates[0] as UsableCrl, now, this.maxAgeMs) as string,
      };
    const refusal = keys.map((key) => this.refusals.get(key)).find(Boolean);
    return {
      status: 'unknown',
      distributionPoint,
      reason: refusal ? `its CRL was refused: ${refusal}` : 'no configured CRL covers it',
    };
  }

  /** Checks the sources once; concurrent callers share the check. */
  private refresh(now: Date): Promise<void> {
    this.loading ??= this.load(now).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(now: Date): Promise<void> {
    this.lastRefresh = now.getTime();
    let listing: Awaited<ReturnType<CrlReader['list']>>;
    try {
      listing = await this.options.reader.list();
    } catch (error) {
      // Keep everything read so far: a reader that fails as a whole has withdrawn nothing.
      this.log.sourceFailed?.('(all sources)', error);
      return;
    }
    const { objects, failed } = listing;
    for (const { source, error } of failed) this.log.sourceFailed?.(source, error);
    const down = new Set(failed.map((f) => f.source));
    const listed = new Set(objects.map((o) => o.id));
    for (const [id, known] of this.known)
      if (!listed.has(id) && !down.has(known.source)) this.known.delete(id);

    const queue = [...objects];
    const worker = async () => {
      for (let object = queue.shift(); object; object = queue.shift()) await this.readOne(object, now);
    };
    await Promise.all(Array.from({ length: this.options.concurrency ?? 16 }, worker));
    this.rebuild();
  }

  private async readOne(object: CrlObject, now: Date): Promise<void> {
    const known = this.known.get(object.id);
    if (known && object.version !== undefined && known.version === object.version) return;
    let read: Awaited<ReturnType<CrlReader['read']>>;
    try {
      read = await this.options.reader.read(object, known?.version);
    } catch (error) {
      this.log.sourceFailed?.(object.id, error);
      return; // keep what was read before: a source that is down has not withdrawn its CRL
    }
    if (read === 'unchanged') return;
    let crl: ParsedCrl;
    try {
      crl = parseCrl(read.bytes);
    } catch (error) {
      const reason = `malformed: ${error instanceof Error ? error.message : String(error)}`;
      this.log.refused?.(object.id, reason);
      this.known.set(object.id, { source: object.source, version: read.version, refused: reason, scope: [] });
      return;
    }
    const assessed = assessCrl(crl, this.options.anchors, now, this.skewMs);
    if ('refused' in assessed) {
      const scope = crlScope(crl);
      this.log.refused?.(object.id, assessed.refused, scopeLabel(scope[0] as string));
      // A CRL from the future is never kept: it is read again at the next check, when it may be current.
      if (assessed.future) this.known.delete(object.id);
      else
        this.known.set(object.id, {
          source: object.source,
          version: read.version,
          refused: assessed.refused,
          scope,
        });
      return;
    }
    this.known.set(object.id, { source: object.source, version: read.version, crl: assessed });
  }

  private rebuild(): void {
    const index = new Map<string, Map<string, UsableCrl>>();
    const refusals = new Map<string, string>();
    for (const known of this.known.values()) {
      if ('refused' in known) {
        for (const key of known.scope) refusals.set(key, known.refused);
        continue;
      }
      const fingerprint = known.crl.anchor.fingerprint;
      const byScope = index.get(fingerprint) ?? new Map<string, UsableCrl>();
      index.set(fingerprint, byScope);
      for (const key of known.crl.scope) {
        const current = byScope.get(key);
        if (!current || current.thisUpdate < known.crl.thisUpdate) byScope.set(key, known.crl);
      }
    }
    this.index = index;
    this.refusals = refusals;
  }
}
