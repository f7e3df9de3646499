import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crlReader } from '#functions/adapters/sources';
import { parseCertificate } from '#functions/jpki/certificate';
import { type CrlReader, RevocationChecker } from '#functions/jpki/crl';
import { loadTrustAnchors, type TrustAnchor } from '#functions/jpki/trust';
import { ENV } from '#functions/shared/env';
import { LOCAL_CREDENTIALS } from '#functions/shared/names';
import { freePort, type Service, startMoto } from '#lib/local/services';
import { createTestPki, type IssuedCard, issueCard, type TestPki } from '#test/harness/cards';

/**
 * The CRL reader against S3 (moto) and a local folder: a prefix stands for every CRL under it, listing
 * gives their ETags, and a check reads again only the objects that changed (design.md §3.7).
 */
const BUCKET = 'xid-trust';
let moto: Service;
let work: string;
let s3: S3Client;
let pki: TestPki;
let anchors: TrustAnchor[];
let card: IssuedCard;

const partition = (locality: [string, string], revoked: string[] = [], number = 1) =>
  pki.signCa.crl({
    revoked: revoked.map((serial) => ({ serial })),
    number,
    scope: { distributionPoint: pki.signCa.partition(locality) },
  });

/** A reader that records which objects it read. */
function counting(reader: CrlReader) {
  const reads: string[] = [];
  const counted: CrlReader = {
    list: () => reader.list(),
    read: (object, known) => {
      reads.push(path.basename(object.id));
      return reader.read(object, known);
    },
  };
  return { reader: counted, reads };
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'xid-crl-sources-'));
  const port = await freePort();
  moto = await startMoto(port, work);
  Object.assign(process.env, {
    [ENV.stage]: 'local',
    [ENV.localAwsEndpoint]: moto.url,
    AWS_REGION: 'ap-northeast-1',
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  });
  s3 = new S3Client({
    endpoint: moto.url,
    forcePathStyle: true,
    region: 'ap-northeast-1',
    credentials: LOCAL_CREDENTIALS,
  });
  await s3.send(
    new CreateBucketCommand({
      Bucket: BUCKET,
      CreateBucketConfiguration: { LocationConstraint: 'ap-northeast-1' },
    }),
  );
  pki = await createTestPki();
  anchors = loadTrustAnchors([pki.signCa.der], { allowTest: true });
  card = await issueCard(pki, { locality: ['Tokyo', 'Shinagawa-ku'] });
});

afterAll(async () => {
  await moto?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function upload(key: string, body: Buffer) {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

describe('CRL sources', () => {
  it('reads every CRL under an S3 prefix, and again only the one that changed', async () => {
    await upload('crl/13/shinagawa.crl', await partition(['Tokyo', 'Shinagawa-ku']));
    await upload('crl/13/chiyoda.crl', await partition(['Tokyo', 'Chiyoda-ku']));
    await upload('crl/27/sakai.crl', await partition(['Osaka', 'Sakai-shi']));
    await upload('anchors/not-a-crl.cer', pki.signCa.der);
    const { reader, reads } = counting(crlReader([`s3://${BUCKET}/crl/`]));
    let now = new Date();
    const checker = new RevocationChecker({ reader, anchors });
    const certificate = parseCertificate(card.signature?.der ?? Buffer.alloc(0));
    const anchor = anchors[0] as TrustAnchor;
    expect((await checker.status(anchor, certificate, now)).status).toBe('good');
    expect(reads.sort()).toEqual(['chiyoda.crl', 'sakai.crl', 'shinagawa.crl']);

    await upload('crl/13/shinagawa.crl', await partition(['Tokyo', 'Shinagawa-ku'], [certificate.serial], 2));
    now = new Date(now.getTime() + 5 * 60_000);
    expect((await checker.status(anchor, certificate, now)).status).toBe('revoked');
    expect(reads.sort()).toEqual(['chiyoda.crl', 'sakai.crl', 'shinagawa.crl', 'shinagawa.crl']);
  });

  it('reads a single S3 object conditionally: unchanged while its ETag is the same', async () => {
    await upload('crl/single.crl', await partition(['Tokyo', 'Minato-ku']));
    const reader = crlReader([`s3://${BUCKET}/crl/single.crl`]);
    const { objects } = await reader.list();
    const first = await reader.read(objects[0] as (typeof objects)[number]);
    if (first === 'unchanged') throw new Error('a first read has content');
    expect(first.version).toMatch(/^"[0-9a-f]+"$/);
    expect(await reader.read(objects[0] as (typeof objects)[number], first.version)).toBe('unchanged');
  });

  it('reads every file of a local folder, and again only a file whose mtime or size changed', async () => {
    const folder = path.join(work, 'crl');
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'a.crl'), await partition(['Tokyo', 'Shinagawa-ku']));
    writeFileSync(path.join(folder, 'b.crl'), await partition(['Osaka', 'Sakai-shi']));
    const { reader, reads } = counting(crlReader([`${folder}/`]));
    const checker = new RevocationChecker({ reader, anchors, refreshMs: 0 });
    const certificate = parseCertificate(card.signature?.der ?? Buffer.alloc(0));
    const anchor = anchors[0] as TrustAnchor;
    expect((await checker.status(anchor, certificate, new Date())).status).toBe('good');
    writeFileSync(
      path.join(folder, 'a.crl'),
      await partition(['Tokyo', 'Shinagawa-ku'], [certificate.serial], 2),
    );
    expect((await checker.status(anchor, certificate, new Date())).status).toBe('revoked');
    expect(reads.sort()).toEqual(['a.crl', 'a.crl', 'b.crl']);
  });
});
