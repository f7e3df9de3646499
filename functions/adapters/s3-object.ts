import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { countCall } from '../shared/aws-calls.ts';
import { optional, required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { defaultProvider } from '../shared/lambda-credentials.ts';

/**
 * `GetObject` of one S3 object, signed with the SDK's own SigV4 signer and fetched with Node's `fetch`.
 * The registration function reads its trust material (J-LIS anchors, CRLs) from the trust bucket at cold
 * start and when a CRL changes; for that, the S3 client would add about 130 KB to its bundle (its
 * schema registry and endpoint rules cover every S3 operation), which is what kept the bundle over its
 * 500 KB budget. Credentials are Lambda's, from the environment. Counted as `S3:GetObject`.
 */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData) =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

/** RFC 3986 encoding of an object key for a SigV4 path: every byte but unreserved ones, `/` kept. */
const encodeKey = (key: string) =>
  key
    .split('/')
    .map((part) =>
      encodeURIComponent(part).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    )
    .join('/');

export interface SignedGet {
  url: string;
  headers: Record<string, string>;
}

/** The signed request for `s3://bucket/key` (virtual-hosted style), as S3 wants SigV4. */
export async function signedGetObject(
  bucket: string,
  key: string,
  options: {
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    date?: Date;
    /** Host override (e.g. the legacy global endpoint of AWS's own signing examples). */
    hostname?: string;
    headers?: Record<string, string>;
  },
): Promise<SignedGet> {
  const hostname = options.hostname ?? `${bucket}.s3.${options.region}.amazonaws.com`;
  const signer = new SignatureV4({
    service: 's3',
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const path = `/${encodeKey(key)}`;
  const signed = await signer.sign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname,
      path,
      query: {},
      headers: { host: hostname, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...options.headers },
    } as Parameters<SignatureV4['sign']>[0],
    { signingDate: options.date },
  );
  // fetch sets Host itself, from the URL (the same value that was signed).
  const { host: _host, ...headers } = signed.headers as Record<string, string>;
  return { url: `https://${hostname}${path}`, headers };
}

/** The object's bytes; any answer but 200 is an error that names the object and the status. */
export async function getObjectBytes(bucket: string, key: string, signal?: AbortSignal): Promise<Uint8Array> {
  const request = await signedGetObject(bucket, key, {
    region: required(ENV.region),
    credentials: await defaultProvider()(),
  });
  if (optional(ENV.countAwsCalls) === 'true') countCall('S3:GetObject');
  const response = await fetch(request.url, { headers: request.headers, signal });
  if (!response.ok) throw new Error(`s3://${bucket}/${key} answered ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
