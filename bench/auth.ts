/**
 * `npm run bench:auth`: token verifications per second through the authorizer (header check, JWT parse,
 * ES256 signature with a cached public key, claims, policy) beside raw ES256 verifications per second with
 * node:crypto, and their ratio (target ≥ 0.5). The signing key is a local P-256 key, as in the functions
 * (token-key-set.ts): the authorizer makes no AWS call once its key set is cached, which is what is measured.
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import type { APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { authorizerFor } from '../functions/auth/authorizer.ts';
import { issueToken, verificationKey, verifyToken } from '../functions/auth/jwt.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const key = verificationKey(publicKey.export({ format: 'der', type: 'spki' }));
const keys = new Map([[key.kid, key]]);
const audience = { issuer: 'urn:xid:bench', audience: 'urn:xid:bench:api' };
const { token } = issueToken('6b1d2c4e-0000-4000-8000-000000000001', {
  ...audience,
  kid: key.kid,
  now: new Date(),
  generation: 0,
  privateKey,
});
const authorizer = authorizerFor(async (t) => verifyToken(t, { ...audience, keys, now: new Date() }));
const event: APIGatewayTokenAuthorizerEvent = {
  type: 'TOKEN',
  authorizationToken: `Bearer ${token}`,
  methodArn: 'arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/live/GET/v1/me',
};

const [h, p, s] = token.split('.') as [string, string, string];
const input = Buffer.from(`${h}.${p}`);
const signature = Buffer.from(s, 'base64url');
if (!verify('sha256', input, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature))
  throw new Error('bad setup');
if (sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' }).length !== 64)
  throw new Error('bad setup');

async function rate(label: string, run: () => unknown): Promise<number> {
  for (let i = 0; i < 500; i++) await run();
  let count = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) await run();
    count += 100;
  }
  const perSecond = count / ((performance.now() - start) / 1000);
  console.log(`${label.padEnd(46)} ${Math.round(perSecond).toLocaleString().padStart(8)} /s`);
  return perSecond;
}

const raw = await rate('raw ES256 verifications (node:crypto)', () =>
  verify('sha256', input, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature),
);
const authorized = await rate('authorizer token verifications', () => authorizer(event));
console.log(
  `ratio authorizer / raw                         ${(authorized / raw).toFixed(2)}   (target ≥ 0.50)`,
);
