import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { CrlObject, CrlReader } from '../jpki/crl.ts';
import { optional } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { getObject, listObjects } from './s3-object.ts';

/**
 * Reads trust material (anchor certificates, CRLs) from where configuration says it is: an S3 object
 * (`s3://bucket/key`), an HTTPS URL, or, in local mode, a file path or a loopback http URL.
 */
const TIMEOUT_MS = 5000;

function s3Location(source: string): { bucket: string; key: string } {
  const [bucket = '', ...key] = source.slice('s3://'.length).split('/');
  return { bucket, key: key.join('/') };
}

const isHttp = (source: string) =>
  source.startsWith('https://') ||
  (optional(ENV.stage) === 'local' && /^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(source));

function localPath(source: string): string {
  if (optional(ENV.stage) !== 'local') throw new Error(`unsupported trust material source ${source}`);
  return source.startsWith('file://') ? new URL(source).pathname : source;
}

/**
 * Reads one source, or, given the version it had (`known`: an ETag, a Last-Modified date, a file's mtime
 * and size), answers `unchanged` without reading when it still has it.
 */
async function readVersioned(
  source: string,
  known?: string,
): Promise<{ bytes: Uint8Array; version?: string } | 'unchanged'> {
  if (source.startsWith('s3://')) {
    const { bucket, key } = s3Location(source);
    const object = await getObject(bucket, key, {
      ifNoneMatch: known,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (object === 'not-modified') return 'unchanged';
    return { bytes: object.bytes, version: object.etag };
  }
  if (isHttp(source)) {
    const headers: Record<string, string> = {};
    if (known?.startsWith('etag:')) headers['if-none-match'] = known.slice('etag:'.length);
    if (known?.startsWith('date:')) headers['if-modified-since'] = known.slice('date:'.length);
    const response = await fetch(source, { headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (response.status === 304 && known) return 'unchanged';
    if (!response.ok) throw new Error(`${source} answered ${response.status}`);
    const etag = response.headers.get('etag');
    const modified = response.headers.get('last-modified');
    const version = etag ? `etag:${etag}` : modified ? `date:${modified}` : undefined;
    return { bytes: new Uint8Array(await response.arrayBuffer()), version };
  }
  const file = localPath(source);
  const version = fileVersion(await stat(file));
  if (known === version) return 'unchanged';
  return { bytes: await readFile(file), version };
}

const fileVersion = (info: { mtimeMs: number; size: number }) => `${info.mtimeMs}:${info.size}`;

/** The bytes of a source (anchor certificates, read once per container). */
export async function fetchBytes(source: string): Promise<Uint8Array> {
  // Without a known version, a read never answers `unchanged`.
  return ((await readVersioned(source)) as { bytes: Uint8Array }).bytes;
}

/** The objects one source stands for: itself, or each object under an S3 prefix or in a local folder. */
async function listSource(source: string): Promise<CrlObject[]> {
  if (source.startsWith('s3://') && source.endsWith('/')) {
    const { bucket, key: prefix } = s3Location(source);
    return (await listObjects(bucket, prefix, { signal: AbortSignal.timeout(TIMEOUT_MS) }))
      .filter((item) => item.key && !item.key.endsWith('/'))
      .map((item) => ({ source, id: `s3://${bucket}/${item.key}`, version: item.etag }));
  }
  if (source.startsWith('s3://') || isHttp(source)) return [{ source, id: source }];
  const file = localPath(source);
  const info = await stat(file);
  if (!info.isDirectory()) return [{ source, id: source, version: fileVersion(info) }];
  const objects: CrlObject[] = [];
  for (const name of (await readdir(file)).sort()) {
    if (name.startsWith('.')) continue;
    const entry = path.join(file, name);
    const entryInfo = await stat(entry);
    if (entryInfo.isFile()) objects.push({ source, id: entry, version: fileVersion(entryInfo) });
  }
  return objects;
}

/**
 * The CRL reader of the configured sources (`XID_CRL_SOURCES`). A source ending in `/` is a collection:
 * every object under an S3 prefix (one ListObjectsV2 call per 1,000 objects gives all their ETags, so
 * unchanged CRLs are not read again) or, locally, every file in a folder. Single objects are read
 * conditionally (S3 If-None-Match, HTTP If-None-Match / If-Modified-Since, a file's mtime and size).
 */
export function crlReader(sources: readonly string[]): CrlReader {
  return {
    async list() {
      const objects: CrlObject[] = [];
      const failed: { source: string; error: unknown }[] = [];
      await Promise.all(
        sources.map(async (source) => {
          try {
            objects.push(...(await listSource(source)));
          } catch (error) {
            failed.push({ source, error });
          }
        }),
      );
      return { objects, failed };
    },
    async read(object, known) {
      const read = await readVersioned(object.id, known);
      return read === 'unchanged' ? read : { bytes: derFrom(read.bytes), version: read.version };
    },
  } satisfies CrlReader;
}

/** DER certificates from bytes that are DER or PEM (a PEM file may hold several). */
export function certificatesFrom(bytes: Uint8Array): Buffer[] {
  const text = Buffer.from(bytes).toString('latin1');
  if (!text.includes('-----BEGIN CERTIFICATE-----')) return [Buffer.from(bytes)];
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/g)].map(
    (m) => Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64'),
  );
}

/** DER from bytes that are DER or a single PEM block (CRLs). */
export function derFrom(bytes: Uint8Array): Buffer {
  const text = Buffer.from(bytes).toString('latin1');
  const pem = /-----BEGIN [A-Z0-9 ]+-----([A-Za-z0-9+/=\s]+)-----END [A-Z0-9 ]+-----/.exec(text);
  return pem ? Buffer.from((pem[1] ?? '').replace(/\s+/g, ''), 'base64') : Buffer.from(bytes);
}
