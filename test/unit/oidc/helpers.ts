import { createHash, generateKeyPairSync, type KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, SignJWT } from 'jose';
import type { ClaimName } from '#functions/oidc/claims';
import { ASSERTION_TYPE } from '#functions/oidc/client-assertion';
import type { PublicJwk, RelyingParty } from '#functions/oidc/relying-party';
import { decisionStatement } from '#functions/oidc/use-cases';
import { signJws } from '#test/harness/phone/jws';
import type { FakeResident } from './fakes.ts';

export const ISSUER = 'https://id.example.jp';
export const TOKEN_ENDPOINT = `${ISSUER}/oauth2/token`;

/** A relying party with an ES256 key pair; `assertion()` makes its client assertions with jose. */
export async function relyingParty(
  overrides: Partial<RelyingParty> = {},
  alg: 'ES256' | 'RS256' | 'PS256' = 'ES256',
) {
  const { privateKey, publicKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'rp-key-1', use: 'sig', alg } as PublicJwk;
  const client: RelyingParty = {
    clientId: randomUUID(),
    name: '品川区電子申請',
    redirectUris: ['https://apply.city.example.lg.jp/callback'],
    jwks: { keys: [jwk] },
    sector: 'city.example.lg.jp',
    claims: ['name', 'gender', 'birthdate', 'address', 'email', 'email_verified', 'municipality_code'],
    createdAt: '2026-11-01T00:00:00.000Z',
    ...overrides,
  };
  const assertion = async (
    changes: {
      aud?: string | string[];
      exp?: number;
      iss?: string;
      sub?: string;
      jti?: string;
      key?: KeyObject;
      kid?: string;
    } = {},
    now = new Date(),
  ) => {
    const iat = Math.floor(now.getTime() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg, kid: changes.kid ?? 'rp-key-1' })
      .setIssuer(changes.iss ?? client.clientId)
      .setSubject(changes.sub ?? client.clientId)
      .setAudience(changes.aud ?? TOKEN_ENDPOINT)
      .setIssuedAt(iat)
      .setExpirationTime(changes.exp ?? iat + 60)
      .setJti(changes.jti ?? randomUUID())
      .sign(changes.key ?? privateKey);
  };
  return { client, privateKey, publicKey, jwk, assertion };
}

/** A resident with an auth key (the phone's, behind PIN1), active, with a verified address. */
export function resident(accountId = randomUUID(), status = 'active') {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' }) as {
    kty: string;
    crv: string;
    x: string;
    y: string;
  };
  const record: FakeResident = {
    account: { accountId, status, authKey: { kty, crv, x, y } },
    identity: {
      name: '公的　花子',
      gender: 'female',
      dateOfBirth: '1966-11-10',
      address: '東京都品川区広町2-1-10',
      municipality: { code: '131091', name: '品川区', prefecture: '東京都' },
      email: { address: 'hanako@example.jp', verified: true },
    },
  };
  const decide = (
    request: { requestId: string; clientId: string; claims: ClaimName[] },
    decision: 'approve' | 'deny',
  ) => signJws(privateKey, decisionStatement(request, accountId, decision));
  return { accountId, record, privateKey, decide };
}

/** A PKCE pair (RFC 7636 S256). */
export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The query of a good authorization request, every value a one-element list; `changes` may drop (undefined) or replace. */
export function authorizeQuery(
  client: RelyingParty,
  challenge: string,
  changes: Record<string, string | string[] | undefined> = {},
): Record<string, string[]> {
  const base: Record<string, string | string[] | undefined> = {
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: client.redirectUris[0],
    scope: 'openid profile',
    state: 'state-123',
    nonce: 'nonce-456',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...changes,
  };
  const query: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined) query[name] = Array.isArray(value) ? value : [value];
  }
  return query;
}

export const tokenForm = (code: string, verifier: string, assertion: string, redirectUri: string) => ({
  grant_type: 'authorization_code',
  code,
  redirect_uri: redirectUri,
  code_verifier: verifier,
  client_assertion_type: ASSERTION_TYPE,
  client_assertion: assertion,
});
