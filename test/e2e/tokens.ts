import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { derToJose, thumbprint, verificationKey } from '#functions/auth/jwt';
import { ENV } from '#functions/shared/env';
import { LOCAL_CREDENTIALS } from '#functions/shared/names';
import type { RuntimeRecord } from '#lib/local/runtime';

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Makes tokens of every kind, good and bad, with the local runtime's real token key or with others. */
export function tokenFactory(record: RuntimeRecord) {
  const env = record.environment;
  const kms = new KMSClient({
    endpoint: record.awsEndpoint,
    region: env.AWS_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const KeyId = (env[ENV.tokenKeyId] ?? '').split(',')[0];
  const stage = env[ENV.stage];
  let publicJwk: { kid: string } | undefined;

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
      if (!publicJwk) {
        const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId }));
        publicJwk = verificationKey(PublicKey as Uint8Array).jwk;
      }
      return publicJwk.kid;
    },
    /** Signed by the real token key in the local KMS, with any claims. */
    async real(sub: string, overrides: Record<string, unknown> = {}): Promise<string> {
      const input = `${b64({ alg: 'ES256', typ: 'JWT', kid: await this.kid() })}.${b64(claims(sub, overrides))}`;
      const { Signature } = await kms.send(
        new SignCommand({
          KeyId,
          Message: Buffer.from(input),
          MessageType: 'RAW',
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      );
      return `${input}.${derToJose(Signature as Uint8Array).toString('base64url')}`;
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
    close: () => kms.destroy(),
  };
}
