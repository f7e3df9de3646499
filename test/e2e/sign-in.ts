import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { SignJWT } from 'jose';
import * as client from 'openid-client';
import { REPO_ROOT } from '#lib/paths';
import { checkedFetch } from '#test/harness/contract';
import { latestLink } from '#test/harness/phone/mailbox';
import type { VirtualPhone } from '#test/harness/phone/phone';
import { createKeys, importPrivateKey, relyingParty, startSignIn } from '../../examples/relying-party.ts';
import type { World } from './world.ts';

/**
 * Pieces of Sign in with xID end-to-end tests: a relying party onboarded with `npm run client` and
 * speaking OpenID Connect through `openid-client`, a browser that keeps the request cookie, and a
 * resident whose phone has a confirmed address and a push device.
 */
export interface RelyingPartyUnderTest {
  clientId: string;
  config: client.Configuration;
  redirectUri: string;
  privateKey: CryptoKey;
  kid: string;
  /** Starts a sign-in: the authorization URL and what the relying party keeps for the callback. */
  start(
    scope?: string,
    extra?: Record<string, string>,
  ): Promise<{ url: URL; verifier: string; state: string; nonce: string }>;
}

/** Runs `npm run client -- …` against the world's runtime; answers the JSON of its last line. */
export function clientCli(world: World, ...args: string[]): unknown {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bin/client.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, XID_LOCAL_DIR: world.runtime.stateDir },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1) as string);
}

/**
 * A relying party as `examples/relying-party.ts` makes one (its own P-256 key pair, registered with its
 * public JWK Set, as a municipal vendor would), so the example of docs/relying-parties.md is what signs in.
 */
export async function onboardRelyingParty(
  world: World,
  options: { name: string; sector: string; claims: string; port?: number },
): Promise<RelyingPartyUnderTest> {
  const { privateJwk, jwks } = await createKeys();
  const jwksFile = path.join(world.runtime.stateDir, `${privateJwk.kid}.jwks.json`);
  writeFileSync(jwksFile, JSON.stringify(jwks));
  const redirectUri = `http://127.0.0.1:${options.port ?? 8765}/callback/${privateJwk.kid}`;
  const registered = clientCli(
    world,
    'register',
    '--name',
    options.name,
    '--redirect-uri',
    redirectUri,
    '--jwks-file',
    jwksFile,
    '--sector',
    options.sector,
    '--claims',
    options.claims,
  ) as { clientId: string };
  const privateKey = await importPrivateKey(privateJwk);
  const config = await relyingParty({
    issuer: world.runtime.apiUrl,
    clientId: registered.clientId,
    redirectUri,
    privateKey,
  });
  return {
    clientId: registered.clientId,
    config,
    redirectUri,
    privateKey: privateKey.key,
    kid: privateJwk.kid,
    async start(scope = 'openid profile address email municipality', extra = {}) {
      const { url, pending } = await startSignIn(config, redirectUri, scope, extra);
      return { url, ...pending };
    },
  };
}

/**
 * A browser without a screen: follows nothing by itself, keeps the cookies the pages set; every answer is
 * checked against the API contract.
 */
export class Browser {
  private cookies = new Map<string, string>();

  async get(url: string | URL): Promise<Response> {
    const response = await checkedFetch(url, {
      redirect: 'manual',
      headers: { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'accept-language': 'ja' },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = (pair as string).split('=');
      this.cookies.set(name as string, value.join('='));
    }
    return response;
  }

  /** Opens the authorization URL, lands on the request page; answers the page and its user code. */
  async openSignIn(
    url: URL,
  ): Promise<{ pageUrl: string; requestId: string; userCode: string; html: string }> {
    const authorize = await this.get(url);
    if (authorize.status !== 303)
      throw new Error(`authorize answered ${authorize.status}: ${await authorize.text()}`);
    const pageUrl = authorize.headers.get('location') as string;
    const page = await this.get(pageUrl);
    const html = await page.text();
    const userCode = /id="user-code">([A-Z-]+)</.exec(html)?.[1];
    if (!userCode) throw new Error(`no user code on the page (${page.status})`);
    return { pageUrl, requestId: pageUrl.split('/').at(-1) as string, userCode, html };
  }

  /** What the page's script does once the app decided: poll the status, then continue. */
  async continueWhenDecided(pageUrl: string): Promise<URL> {
    for (let i = 0; i < 50; i++) {
      const { state } = (await (await this.get(`${pageUrl}/status`)).json()) as { state: string };
      if (state !== 'pending') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const back = await this.get(`${pageUrl}/continue`);
    if (back.status !== 303) throw new Error(`continue answered ${back.status}`);
    return new URL(back.headers.get('location') as string);
  }
}

/** A resident with a confirmed address and a push device, as after guide steps 1–8. */
export async function residentWithAddress(
  world: World,
  email: string,
  who: Parameters<World['activePhone']>[0] = {},
): Promise<{ phone: VirtualPhone; device: string }> {
  const phone = await world.activePhone(who);
  const token = phone.accessToken as string;
  await world.api.setEmail(token, email);
  const confirmed = await fetch(await latestLink(world.runtime.record.mailboxUrl, email));
  if (confirmed.status !== 200) throw new Error(`confirmation answered ${confirmed.status}`);
  const device = randomBytes(32).toString('hex');
  await world.api.registerPush(token, 'APNS_SANDBOX', device);
  return { phone, device };
}

/** The request id of the newest sign-in push the device received. */
export async function signInPush(world: World, device: string): Promise<string | undefined> {
  const pushes = (await world.api.localPushes(device)) as unknown as { payload: { APNS?: string } }[];
  const ids = pushes
    .map((p) => {
      try {
        return (JSON.parse(p.payload.APNS ?? '{}') as { requestId?: string }).requestId;
      } catch {
        return undefined;
      }
    })
    .filter(Boolean);
  return ids.at(-1);
}

/**
 * The relying party's configuration with a client assertion made by hand (jose), for the refusals:
 * another audience, an expired one, a fixed `jti`, another key.
 */
export function assertionConfig(
  world: World,
  rp: RelyingPartyUnderTest,
  change: { aud?: 'issuer'; exp?: number; jti?: string; key?: CryptoKey; kid?: string },
): client.Configuration {
  const auth: client.ClientAuth = async (_as, _client, body) => {
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: change.kid ?? rp.kid })
      .setIssuer(rp.clientId)
      .setSubject(rp.clientId)
      .setAudience(change.aud === 'issuer' ? world.runtime.apiUrl : `${world.runtime.apiUrl}/oauth2/token`)
      .setIssuedAt(now)
      .setExpirationTime(now + (change.exp ?? 60))
      .setJti(change.jti ?? randomBytes(16).toString('hex'))
      .sign(change.key ?? rp.privateKey);
    body.set('client_id', rp.clientId);
    body.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    body.set('client_assertion', assertion);
  };
  const config = new client.Configuration(
    rp.config.serverMetadata(),
    rp.clientId,
    rp.config.clientMetadata(),
    auth,
  );
  client.allowInsecureRequests(config);
  return config;
}
