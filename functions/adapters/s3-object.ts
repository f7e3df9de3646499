import { SignatureV4 } from '@smithy/signature-v4';
import { countCall } from '../shared/aws-calls.ts';
import { optional, required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import {
  type Answer,
  credentials,
  xmlElement as element,
  rfc3986,
  Sha256,
  send as sendSigned,
  xmlText,
} from './aws-http.ts';

/**
 * The two S3 reads of the trust material (J-LIS anchors, CRLs; `sources.ts`): `GetObject`, conditional on
 * an ETag, and `ListObjectsV2` of a prefix. They are signed with the SDK's own SigV4 signer and sent with
 * `aws-http.ts`'s transport: the S3 client would add about 130 KB to the registration bundle (its schema registry and
 * endpoint rules cover every S3 operation), which is what kept that bundle over its 500 KB budget.
 * Credentials are the function's, from the environment. Locally the requests go, path-style, to the S3
 * stand-in at `XID_LOCAL_AWS_ENDPOINT`. Each is counted as `S3:GetObject` / `S3:ListObjectsV2`.
 */

/** An object key as a path: each segment encoded, `/` kept. */
const encodeKey = (key: string) => key.split('/').map(rfc3986).join('/');

export interface S3Target {
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** A stand-in's base URL (path-style addressing); AWS's virtual-hosted endpoint otherwise. */
  endpoint?: string;
  /** Host override (e.g. the legacy global endpoint of AWS's own signing examples). */
  hostname?: string;
  date?: Date;
}

export interface SignedGet {
  url: string;
  headers: Record<string, string>;
}

/** A signed `GET` of `bucket`/`key` (an object, or the bucket itself with `key` empty) with a query. */
export async function signedGet(
  bucket: string,
  key: string,
  query: Record<string, string>,
  target: S3Target,
  headers: Record<string, string> = {},
): Promise<SignedGet> {
  const local = target.endpoint ? new URL(target.endpoint) : undefined;
  const protocol = local?.protocol ?? 'https:';
  const hostname = local?.hostname ?? target.hostname ?? `${bucket}.s3.${target.region}.amazonaws.com`;
  const host = local?.host ?? hostname;
  const path = local ? `/${bucket}${key ? `/${encodeKey(key)}` : ''}` : `/${encodeKey(key)}`;
  const signer = new SignatureV4({
    service: 's3',
    region: target.region,
    credentials: target.credentials,
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: 'GET',
      protocol,
      hostname,
      port: local?.port ? Number(local.port) : undefined,
      path,
      query,
      headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...headers },
    } as Parameters<SignatureV4['sign']>[0],
    { signingDate: target.date },
  );
  const search = Object.keys(query)
    .sort()
    .map((name) => `${rfc3986(name)}=${rfc3986(query[name] as string)}`)
    .join('&');
  // The transport sets Host itself, from the URL: the same value that was signed.
  const { host: _host, ...sent } = signed.headers as Record<string, string>;
  return { url: `${protocol}//${host}${path}${search ? `?${search}` : ''}`, headers: sent };
}

/** S3's error answer as an error `isDependencyFailure` reads (5xx and throttling are the dependency's). */
function s3Error(response: Answer, what: string): Error {
  const code = element(response.body.toString('utf8'), 'Code') ?? `Http${response.status}`;
  return Object.assign(new Error(`${what} answered ${response.status} ${code}`), {
    name: code,
    $fault: response.status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: response.status },
  });
}

const ok = (response: Answer) => response.status >= 200 && response.status < 300;
/** An S3 read's answer may take this long once connected (a CRL of 100,000 entries is some 3 MB). */
const S3_ANSWER_MS = 10_000;

async function send(
  action: 'GetObject' | 'ListObjectsV2',
  bucket: string,
  key: string,
  query: Record<string, string>,
  options: { signal?: AbortSignal; headers?: Record<string, string> },
): Promise<Answer> {
  const request = await signedGet(
    bucket,
    key,
    query,
    {
      region: required(ENV.region),
      credentials: await credentials()(),
      endpoint: optional(ENV.localAwsEndpoint),
    },
    options.headers,
  );
  if (optional(ENV.countAwsCalls) === 'true') countCall(`S3:${action}`);
  // The caller's signal bounds the whole read (a CRL may be megabytes); the budget bounds the connection.
  return sendSigned(new URL(request.url), 'GET', request.headers, undefined, {
    answerMs: S3_ANSWER_MS,
    signal: options.signal,
  });
}

/** An object's bytes and ETag, or `not-modified` when it still has the ETag given. */
export async function getObject(
  bucket: string,
  key: string,
  options: { ifNoneMatch?: string; signal?: AbortSignal } = {},
): Promise<{ bytes: Uint8Array; etag?: string } | 'not-modified'> {
  const headers: Record<string, string> = options.ifNoneMatch ? { 'if-none-match': options.ifNoneMatch } : {};
  const response = await send('GetObject', bucket, key, {}, { signal: options.signal, headers });
  if (response.status === 304 && options.ifNoneMatch) return 'not-modified';
  if (!ok(response)) throw s3Error(response, `s3://${bucket}/${key}`);
  const etag = response.headers.etag;
  return {
    bytes: new Uint8Array(response.body.buffer, response.body.byteOffset, response.body.byteLength),
    etag: typeof etag === 'string' ? etag : undefined,
  };
}

/** One page of a `ListObjectsV2` answer: each object's key and ETag, and the token of the next page. */
export function parseListObjects(xml: string): {
  objects: { key: string; etag?: string }[];
  next?: string;
} {
  const objects = [...xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)].map(([, contents = '']) => {
    const etag = element(contents, 'ETag');
    return {
      key: xmlText(element(contents, 'Key') ?? ''),
      etag: etag === undefined ? undefined : xmlText(etag),
    };
  });
  const token = element(xml, 'NextContinuationToken');
  const truncated = element(xml, 'IsTruncated') === 'true';
  return { objects, next: truncated && token ? xmlText(token) : undefined };
}

/** Every object under a prefix (one call per 1,000), with its ETag. */
export async function listObjects(
  bucket: string,
  prefix: string,
  options: { signal?: AbortSignal } = {},
): Promise<{ key: string; etag?: string }[]> {
  const objects: { key: string; etag?: string }[] = [];
  let token: string | undefined;
  do {
    const query: Record<string, string> = {
      'list-type': '2',
      prefix,
      ...(token ? { 'continuation-token': token } : {}),
    };
    const response = await send('ListObjectsV2', bucket, '', query, options);
    if (!ok(response)) throw s3Error(response, `s3://${bucket}/${prefix}`);
    const page = parseListObjects(response.body.toString('utf8'));
    objects.push(...page.objects);
    token = page.next;
  } while (token);
  return objects;
}
