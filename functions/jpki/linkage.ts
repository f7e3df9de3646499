import * as z from 'zod';
import { nameKey } from './distinguished-name.ts';

/**
 * The certificate linkage (J-LIS 証明書新旧紐付け情報, design.md §3.8): which new signature certificate
 * replaced which old one, as a platform operator delivers it. Read from the configured sources (files
 * locally, S3 objects or HTTPS URLs in AWS) in the format
 * `{"schema": "xid/certificate-links/v1", "links": [{"issuer", "oldSerial", "newSerial"}]}`, where `issuer`
 * is the issuer DN as RFC 4514 text and serials are lower-case hex of the serial's bytes without leading
 * zero bytes. No Lambda, no AWS: the bytes come in through a `LinkageReader`.
 */
const serial = z
  .string()
  .regex(/^(?:[0-9a-f]{2})+$/, 'lower-case hex of whole bytes')
  .refine((hex) => hex === '00' || !hex.startsWith('00'), 'no leading zero bytes');

export const certificateLinksDocument = z.object({
  schema: z.literal('xid/certificate-links/v1'),
  links: z.array(z.object({ issuer: z.string().min(1).max(1024), oldSerial: serial, newSerial: serial })),
});

export type CertificateLinksDocument = z.infer<typeof certificateLinksDocument>;

export class LinkageFormatError extends Error {
  override name = 'LinkageFormatError';
}

/** Old serial → new serials, per issuer (by `nameKey`). */
type Links = Map<string, Map<string, Set<string>>>;

/** Reads one linkage document; throws `LinkageFormatError` (never anything else) when it is not one. */
export function parseLinks(bytes: Uint8Array): Links {
  let document: CertificateLinksDocument;
  try {
    document = certificateLinksDocument.parse(JSON.parse(Buffer.from(bytes).toString('utf8')));
  } catch (error) {
    const reason = error instanceof z.ZodError ? (error.issues[0]?.message ?? 'invalid') : 'not JSON';
    throw new LinkageFormatError(`not a certificate-links document: ${reason}`);
  }
  const links: Links = new Map();
  const keys = new Map<string, string>();
  for (const link of document.links) {
    let issuer = keys.get(link.issuer);
    if (issuer === undefined) {
      try {
        issuer = nameKey(link.issuer);
      } catch {
        throw new LinkageFormatError('an issuer is not an RFC 4514 distinguished name');
      }
      keys.set(link.issuer, issuer);
    }
    const byOld = links.get(issuer) ?? new Map<string, Set<string>>();
    links.set(issuer, byOld);
    byOld.set(link.oldSerial, (byOld.get(link.oldSerial) ?? new Set()).add(link.newSerial));
  }
  return links;
}

/** Where linkage bytes come from; `version` (an ETag, a file's mtime) lets an unchanged source be skipped. */
export interface LinkageReader {
  read(source: string, known?: string): Promise<{ bytes: Uint8Array; version?: string } | 'unchanged'>;
}

export type LinkStatus = 'linked' | 'not_linked' | 'unknown';

interface SourceState {
  links?: Links;
  version?: string;
  readAt: number;
  /** The last read failed (or gave no usable document): a miss cannot be trusted. */
  failed: boolean;
}

export interface CertificateLinksOptions {
  /** A source without a version (it cannot say it is unchanged) is read again at most this often. */
  rereadMs?: number;
  /** How many replacements a chain may have (moved twice before re-verifying: old → mid → new). */
  maxChain?: number;
  onError?: (source: string, error: unknown) => void;
  clock?: () => number;
}

/**
 * Answers "was this certificate replaced by that one?" from the configured sources. Sources are read on
 * first use. A link, once known, stays true; a lookup that finds none reads the sources again first (a
 * source that can tell it is unchanged costs one small request; one that cannot is read again at most every
 * `rereadMs`), so a link delivered a moment ago is found. A chain of replacements counts (a resident who
 * moved twice before re-verifying). When no link is found and a source could not be read, the answer is
 * `unknown`: the caller must not conclude that the certificates are unrelated.
 */
export class CertificateLinks {
  private readonly state = new Map<string, SourceState>();
  private refreshing?: Promise<void>;
  private readonly rereadMs: number;
  private readonly maxChain: number;
  private readonly clock: () => number;

  constructor(
    private readonly sources: readonly string[],
    private readonly reader: LinkageReader,
    private readonly options: CertificateLinksOptions = {},
  ) {
    this.rereadMs = options.rereadMs ?? 60_000;
    this.maxChain = options.maxChain ?? 8;
    this.clock = options.clock ?? Date.now;
  }

  async status(issuer: string, oldSerial: string, newSerial: string): Promise<LinkStatus> {
    if (this.sources.length === 0) return 'not_linked';
    const key = nameKey(issuer);
    if (this.state.size > 0 && this.find(key, oldSerial, newSerial)) return 'linked';
    await this.refresh();
    if (this.find(key, oldSerial, newSerial)) return 'linked';
    return [...this.state.values()].some((s) => s.failed) ? 'unknown' : 'not_linked';
  }

  /** Follows the links from `oldSerial` (breadth first, at most `maxChain` steps) looking for `newSerial`. */
  private find(issuer: string, oldSerial: string, newSerial: string): boolean {
    let frontier = new Set([oldSerial]);
    const seen = new Set(frontier);
    for (let step = 0; step < this.maxChain && frontier.size > 0; step++) {
      const next = new Set<string>();
      for (const serial of frontier) {
        for (const state of this.state.values()) {
          for (const replacement of state.links?.get(issuer)?.get(serial) ?? []) {
            if (replacement === newSerial) return true;
            if (!seen.has(replacement)) {
              seen.add(replacement);
              next.add(replacement);
            }
          }
        }
      }
      frontier = next;
    }
    return false;
  }

  /** Reads the sources that may have changed; concurrent callers share one read. */
  private refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const now = this.clock();
        await Promise.all(
          this.sources.map(async (source) => {
            const known = this.state.get(source);
            if (known && known.version === undefined && !known.failed && now - known.readAt < this.rereadMs)
              return;
            try {
              const read = await this.reader.read(source, known?.failed ? undefined : known?.version);
              if (read === 'unchanged' && known) {
                known.readAt = now;
                return;
              }
              if (read === 'unchanged') throw new Error('a source answered unchanged to a first read');
              this.state.set(source, {
                links: parseLinks(read.bytes),
                version: read.version,
                readAt: now,
                failed: false,
              });
            } catch (error) {
              this.options.onError?.(source, error);
              this.state.set(source, { ...known, readAt: now, failed: true });
            }
          }),
        );
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }
}
