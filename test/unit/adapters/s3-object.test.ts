import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getObject, listObjects, parseListObjects, signedGet } from '#functions/adapters/s3-object';
import { type CallTally, countInto } from '#functions/shared/aws-calls';
import { isDependencyFailure } from '#functions/shared/dependency-failure';
import { ENV } from '#functions/shared/env';
import { type StandIn, startStandIn } from '#test/harness/stand-in';

/**
 * The S3 reads of the trust material, signed with the SDK's SigV4 signer: checked against the worked
 * example in AWS's S3 SigV4 documentation ("Examples: Signature Calculations in AWS Signature Version 4",
 * GET Object with a Range header, and GET Bucket with a query), whose signatures AWS publishes.
 */
const EXAMPLE = {
  region: 'us-east-1',
  credentials: {
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  },
  date: new Date('2013-05-24T00:00:00Z'),
  hostname: 'examplebucket.s3.amazonaws.com',
};
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('S3 request signing', () => {
  it("reproduces AWS's published signature for GET /test.txt", async () => {
    const signed = await signedGet('examplebucket', 'test.txt', {}, EXAMPLE, {
      range: 'bytes=0-9',
      'x-amz-content-sha256': EMPTY_SHA256,
    });
    expect(signed.url).toBe('https://examplebucket.s3.amazonaws.com/test.txt');
    expect(signed.headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    expect(signed.headers.host).toBeUndefined();
  });

  it("reproduces AWS's published signature for GET /?max-keys=2&prefix=J (a listing)", async () => {
    const signed = await signedGet('examplebucket', '', { 'max-keys': '2', prefix: 'J' }, EXAMPLE, {
      'x-amz-content-sha256': EMPTY_SHA256,
    });
    expect(signed.url).toBe('https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J');
    expect(signed.headers.authorization).toMatch(
      /Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7$/,
    );
  });

  it('signs an unsigned payload and the session token, encodes keys as S3 wants, and goes path-style to a stand-in', async () => {
    const aws = await signedGet(
      'trust',
      'crl/signature (2026).crl',
      {},
      {
        region: 'ap-northeast-1',
        credentials: { ...EXAMPLE.credentials, sessionToken: 'session' },
        date: EXAMPLE.date,
      },
    );
    expect(aws.url).toBe('https://trust.s3.ap-northeast-1.amazonaws.com/crl/signature%20%282026%29.crl');
    expect(aws.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(aws.headers['x-amz-security-token']).toBe('session');
    expect(aws.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/20130524\/ap-northeast-1\/s3\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
    const local = await signedGet(
      'trust',
      '',
      { 'list-type': '2', prefix: 'crl/' },
      {
        ...EXAMPLE,
        hostname: undefined,
        endpoint: 'http://127.0.0.1:4566',
      },
    );
    expect(local.url).toBe('http://127.0.0.1:4566/trust?list-type=2&prefix=crl%2F');
  });
});

describe('ListObjectsV2 answers', () => {
  it('give each key and ETag, unescaped, and the next page only when truncated', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>trust</Name><Prefix>crl/</Prefix>
<KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated>
<Contents><Key>crl/131091&amp;a.crl</Key><LastModified>2026-11-27T00:00:00.000Z</LastModified><ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>1</Size></Contents>
<Contents><Key>crl/</Key><ETag>&#34;d41d8cd98f00b204e9800998ecf8427e&#34;</ETag></Contents>
<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken></ListBucketResult>`;
    expect(parseListObjects(xml)).toEqual({
      objects: [
        { key: 'crl/131091&a.crl', etag: '"9b2cf535f27731c974343645a3985328"' },
        { key: 'crl/', etag: '"d41d8cd98f00b204e9800998ecf8427e"' },
      ],
      next: '1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=',
    });
    expect(parseListObjects(xml.replace('<IsTruncated>true', '<IsTruncated>false')).next).toBeUndefined();
    expect(
      parseListObjects('<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>').objects,
    ).toEqual([]);
  });
});

/**
 * The reads themselves, against a loopback stand-in that answers as S3 does: a conditional GetObject,
 * a listing over two pages, S3's error answers, and one counted call per request.
 */
describe('S3 reads through a stand-in', () => {
  let standIn: StandIn;
  const requests = () => standIn.seen;
  let saved: NodeJS.ProcessEnv;

  const answer = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    if (url.pathname === '/trust/crl/a.crl') {
      if (request.headers['if-none-match'] === '"v1"') return response.writeHead(304).end();
      return response.writeHead(200, { etag: '"v1"' }).end('crl bytes');
    }
    if (url.pathname === '/trust/busy.crl') {
      return response
        .writeHead(503)
        .end(
          '<?xml version="1.0"?><Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>',
        );
    }
    if (url.pathname === '/trust' && url.searchParams.get('list-type') === '2') {
      const second = url.searchParams.get('continuation-token') === 'page 2';
      const key = second ? 'crl/b.crl' : 'crl/a.crl';
      return response
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(
          `<ListBucketResult><IsTruncated>${!second}</IsTruncated><Contents><Key>${key}</Key><ETag>&quot;${key}&quot;</ETag></Contents>${second ? '' : '<NextContinuationToken>page 2</NextContinuationToken>'}</ListBucketResult>`,
        );
    }
    return response.writeHead(404).end('<Error><Code>NoSuchKey</Code></Error>');
  };

  beforeAll(async () => {
    saved = { ...process.env };
    standIn = await startStandIn(answer);
    Object.assign(process.env, {
      [ENV.region]: 'ap-northeast-1',
      [ENV.localAwsEndpoint]: standIn.url,
      [ENV.countAwsCalls]: 'true',
      AWS_ACCESS_KEY_ID: EXAMPLE.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EXAMPLE.credentials.secretAccessKey,
    });
  });
  afterAll(async () => {
    process.env = saved;
    await standIn.close();
  });

  it('reads an object with its ETag, and answers not-modified while the ETag holds', async () => {
    const calls: CallTally = {};
    const first = await countInto(calls, () => getObject('trust', 'crl/a.crl'));
    expect(first).not.toBe('not-modified');
    if (first === 'not-modified') return;
    expect(Buffer.from(first.bytes).toString()).toBe('crl bytes');
    expect(first.etag).toBe('"v1"');
    expect(await countInto(calls, () => getObject('trust', 'crl/a.crl', { ifNoneMatch: '"v1"' }))).toBe(
      'not-modified',
    );
    expect(calls).toEqual({ 'S3:GetObject': 2 });
    const signed = requests().at(-1)?.headers.authorization;
    expect(signed).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/ap-northeast-1\/s3\//);
    expect(String(signed)).toContain('if-none-match');
  });

  it('lists every object under a prefix across pages, one counted call per page', async () => {
    const calls: CallTally = {};
    const objects = await countInto(calls, () => listObjects('trust', 'crl/'));
    expect(objects).toEqual([
      { key: 'crl/a.crl', etag: '"crl/a.crl"' },
      { key: 'crl/b.crl', etag: '"crl/b.crl"' },
    ]);
    expect(calls).toEqual({ 'S3:ListObjectsV2': 2 });
    expect(requests().at(-1)?.url).toBe('/trust?continuation-token=page%202&list-type=2&prefix=crl%2F');
  });

  it("turns S3's error answers into errors: throttling is a dependency failure, a missing object is not", async () => {
    const busy = await getObject('trust', 'busy.crl').catch((error: unknown) => error);
    expect(busy).toMatchObject({ name: 'SlowDown', $fault: 'server', $metadata: { httpStatusCode: 503 } });
    expect(isDependencyFailure(busy)).toBe(true);
    const missing = await getObject('trust', 'missing.crl').catch((error: unknown) => error);
    expect(missing).toMatchObject({
      name: 'NoSuchKey',
      $fault: 'client',
      $metadata: { httpStatusCode: 404 },
    });
    expect(isDependencyFailure(missing)).toBe(false);
    await expect(listObjects('nothing', 'crl/')).rejects.toThrow('s3://nothing/crl/ answered 404 NoSuchKey');
  });
});
