/**
 * A relying party of Sign in with xID, in the fewest lines a municipal service needs: OpenID Connect with
 * `openid-client` (authorization code, PKCE S256, `state`, `nonce`, `private_key_jwt`), on Node.js 20.
 * docs/relying-parties.md walks through it; the end-to-end tests sign in through these same functions.
 *
 *   npx tsx examples/relying-party.ts keys --out rp-keys         # a key pair: rp-keys.jwks.json is public
 *   npm run client -- register --name '品川区電子申請' --redirect-uri http://127.0.0.1:8765/callback \
 *     --jwks-file rp-keys.jwks.json --sector apply.city.example.lg.jp --claims name,gender,birthdate,address
 *   npx tsx examples/relying-party.ts serve --issuer http://127.0.0.1:3000 --client-id <clientId> \
 *     --key rp-keys.private.json                                 # then open http://127.0.0.1:8765/login
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { parseArgs } from 'node:util';
import * as client from 'openid-client';

/** A P-256 key pair for `private_key_jwt`: the private JWK stays with the service, the public one is registered. */
export async function createKeys(): Promise<{
  privateJwk: JsonWebKey & { kid: string };
  jwks: { keys: object[] };
}> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const kid = crypto.randomUUID();
  const privateJwk = { ...(await crypto.subtle.exportKey('jwk', pair.privateKey)), kid };
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey);
  return { privateJwk, jwks: { keys: [{ kty, crv, x, y, kid, use: 'sig', alg: 'ES256' }] } };
}

/** The private key as `openid-client` takes it. */
export async function importPrivateKey(jwk: JsonWebKey & { kid: string }): Promise<client.PrivateKey> {
  const { kid, ...key } = jwk;
  return {
    kid,
    key: await crypto.subtle.importKey('jwk', key, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']),
  };
}

/**
 * Discovery, and the client authenticating with its private key. xID wants the token endpoint as the
 * audience of the client assertion (RFC 7523 allows it; openid-client puts the issuer there by default).
 */
export async function relyingParty(options: {
  issuer: string;
  clientId: string;
  redirectUri: string;
  privateKey: client.PrivateKey;
}): Promise<client.Configuration> {
  const issuer = new URL(options.issuer);
  const tokenEndpoint = `${options.issuer.replace(/\/+$/, '')}/oauth2/token`;
  return client.discovery(
    issuer,
    options.clientId,
    { redirect_uris: [options.redirectUri], id_token_signed_response_alg: 'ES256' },
    client.PrivateKeyJwt(options.privateKey, {
      [client.modifyAssertion]: (_header, payload) => {
        payload.aud = tokenEndpoint;
      },
    }),
    // Only for an issuer on http://127.0.0.1 (`npm start`); never against a deployed stage.
    issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : undefined,
  );
}

/** What the service keeps (in its session) between sending the browser away and its return. */
export interface PendingSignIn {
  verifier: string;
  state: string;
  nonce: string;
}

/** The authorization URL to send the browser to; keep `pending` for the callback. */
export async function startSignIn(
  config: client.Configuration,
  redirectUri: string,
  scope = 'openid profile address',
  extra: Record<string, string> = {},
): Promise<{ url: URL; pending: PendingSignIn }> {
  const pending = {
    verifier: client.randomPKCECodeVerifier(),
    state: client.randomState(),
    nonce: client.randomNonce(),
  };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
    code_challenge_method: 'S256',
    ...extra,
  });
  return { url, pending };
}

/** The callback: code for tokens (the ID token checked by openid-client), then the claims at userinfo. */
export async function finishSignIn(config: client.Configuration, callback: URL, pending: PendingSignIn) {
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: pending.verifier,
    expectedState: pending.state,
    expectedNonce: pending.nonce,
  });
  const claims = tokens.claims();
  if (!claims) throw new Error('no ID token');
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  return { tokens, claims, userinfo };
}

/** A one-page service on 127.0.0.1:8765: `/login` starts, `/callback` shows what xID released. */
async function serve(options: { issuer: string; clientId: string; key: string; port: number }) {
  const redirectUri = `http://127.0.0.1:${options.port}/callback`;
  const config = await relyingParty({
    issuer: options.issuer,
    clientId: options.clientId,
    redirectUri,
    privateKey: await importPrivateKey(JSON.parse(readFileSync(options.key, 'utf8'))),
  });
  const sessions = new Map<string, PendingSignIn>();
  http
    .createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', redirectUri);
      try {
        if (url.pathname === '/login') {
          const { url: to, pending } = await startSignIn(config, redirectUri);
          sessions.set(pending.state, pending);
          res.writeHead(303, { location: to.href }).end();
        } else if (url.pathname === '/callback') {
          const pending = sessions.get(url.searchParams.get('state') ?? '');
          if (!pending) throw new Error('unknown state');
          sessions.delete(pending.state);
          const { userinfo } = await finishSignIn(config, url, pending);
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify(userinfo, null, 2));
        } else res.writeHead(404).end();
      } catch (error) {
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end(String(error));
      }
    })
    .listen(options.port, '127.0.0.1', () => console.log(`open http://127.0.0.1:${options.port}/login`));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string', default: 'rp-keys' },
      issuer: { type: 'string', default: 'http://127.0.0.1:3000' },
      'client-id': { type: 'string' },
      key: { type: 'string', default: 'rp-keys.private.json' },
      port: { type: 'string', default: '8765' },
    },
  });
  if (positionals[0] === 'keys') {
    const { privateJwk, jwks } = await createKeys();
    writeFileSync(`${values.out}.private.json`, JSON.stringify(privateJwk), { mode: 0o600 });
    writeFileSync(`${values.out}.jwks.json`, JSON.stringify(jwks, null, 2));
    console.log(`${values.out}.jwks.json (register it) and ${values.out}.private.json (keep it secret)`);
  } else if (positionals[0] === 'serve' && values['client-id']) {
    await serve({
      issuer: values.issuer,
      clientId: values['client-id'],
      key: values.key,
      port: Number(values.port),
    });
  } else {
    console.error(
      'usage: relying-party.ts keys [--out rp-keys] | serve --client-id <id> [--issuer …] [--key …]',
    );
    process.exit(2);
  }
}
