import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { KEYS } from '#functions/adapters/table-keys';
import { signCompact, thumbprint, verificationKey } from '#functions/auth/jwt';
import { privateKeyOf, type TokenKeySet, tokenKeyContext } from '#functions/auth/token-key-set';
import { ENV } from '#functions/shared/env';
import { LOCAL_CREDENTIALS } from '#functions/shared/names';
import type { RuntimeRecord } from '#lib/local/runtime';

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/**
 * Makes tokens of every kind, good and bad, with the local runtime's real signing key (the one its table
 * names now, unwrapped with its KMS as a signing function does) or with others.
 */
export function tokenFactory(record: RuntimeRecord) {
  const env = record.environment;
  const config = {
    endpoint: record.awsEndpoint,
    region: env.AWS_REGION,
    credentials: LOCAL_CREDENTIALS,
  };
  const kms = new KMSClient(config);
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(config));
  const stage = env[ENV.stage];
  let publicJwk: { kid: string } | undefined;
  let signer: { kid: string; privateKey: KeyObject } | undefined;

  /** The signing key of the set as the runtime stores it now. */
  const signingKey = async () => {
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: env[ENV.tableName], Key: KEYS.tokenKeys(), ConsistentRead: true }),
    );
    const stored = (Item as TokenKeySet).signer;
    if (signer?.kid !== stored.kid) {
      const { Plaintext } = await kms.send(
        new DecryptCommand({
          CiphertextBlob: Buffer.from(stored.wrappedPrivateKey, 'base64'),
          EncryptionContext: tokenKeyContext(stored.kid),
        }),
      );
      signer = { kid: stored.kid, privateKey: privateKeyOf(stored, Buffer.from(Plaintext as Uint8Array)) };
      publicJwk = verificationKey(Buffer.from(stored.publicKey, 'base64url')).jwk;
    }
    return signer;
  };

  const claims = (sub: string, overrides: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: `urn:xid:${stage}`,
      aud: `urn:xid:${stage}:api`,
      sub,
      iat: now,
      nbf: now,
      exp: now + 900,
      jti: 'test',
      ...overrides,
    };
  };

  return {
    async kid(): Promise<string> {
      return (await signingKey()).kid;
    },
    /** Signed by the runtime's real signing key, with any claims. */
    async real(sub: string, overrides: Record<string, unknown> = {}): Promise<string> {
      const { kid, privateKey } = await signingKey();
      return signCompact({ typ: 'JWT', kid }, claims(sub, overrides), privateKey);
    },
    /** `alg: none`, no signature. */
    none(sub: string): string {
      return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims(sub))}.`;
    },
    /** HS256 with the published public key (its JWK JSON) as the HMAC secret: the classic confusion attack. */
    async hs256WithPublicKey(sub: string): Promise<string> {
      const kid = await this.kid();
      const input = `${b64({ alg: 'HS256', typ: 'JWT', kid })}.${b64(claims(sub))}`;
      const secret = JSON.stringify(publicJwk);
      return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    },
    /** ES256 by a key the JWKS does not publish: once under its own kid, once claiming the real kid. */
    async foreign(sub: string, claimRealKid: boolean): Promise<string> {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string; y: string };
      const kid = claimRealKid ? await this.kid() : thumbprint(jwk);
      const input = `${b64({ alg: 'ES256', typ: 'JWT', kid })}.${b64(claims(sub))}`;
      const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
      return `${input}.${signature.toString('base64url')}`;
    },
    close: () => {
      kms.destroy();
      dynamo.destroy();
    },
  };
}
