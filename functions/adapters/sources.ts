import { readFile } from 'node:fs/promises';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../shared/clients.ts';
import { optional } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';

/**
 * Reads trust material (anchor certificates, CRLs) from where configuration says it is: an S3 object
 * (`s3://bucket/key`), an HTTPS URL, or, in local mode, a file path or a loopback http URL.
 */
const TIMEOUT_MS = 5000;

export async function fetchBytes(source: string): Promise<Uint8Array> {
  const local = optional(ENV.stage) === 'local';
  if (source.startsWith('s3://')) {
    const [bucket, ...key] = source.slice('s3://'.length).split('/');
    const object = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key.join('/') }), {
      abortSignal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!object.Body) throw new Error(`empty object ${source}`);
    return object.Body.transformToByteArray();
  }
  if (source.startsWith('https://') || (local && /^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(source))) {
    const response = await fetch(source, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!response.ok) throw new Error(`${source} answered ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  }
  if (local) return readFile(source.startsWith('file://') ? new URL(source) : source);
  throw new Error(`unsupported trust material source ${source}`);
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
