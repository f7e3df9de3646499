import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS } from '#functions/adapters/table-keys';
import { checkedFetch } from '#test/harness/contract';
import type { AuthorizationRequestSummary } from '#test/harness/phone/api';
import type { VirtualPhone } from '#test/harness/phone/phone';
import {
  assertionConfig,
  Browser,
  clientCli,
  onboardRelyingParty,
  type RelyingPartyUnderTest,
  residentWithAddress,
  signInPush,
} from './sign-in.ts';
import { PIN1, PIN2, startWorld, type World } from './world.ts';

/**
 * Sign in with xID end to end (design.md §3.13): relying parties onboarded with `npm run client`, speaking
 * OpenID Connect through `openid-client` (discovery, PKCE, private_key_jwt, ID token validation, userinfo);
 * a browser on the request page; the resident approving on the virtual phone with PIN1.
 */
let world: World;
let city: RelyingPartyUnderTest;
let citySibling: RelyingPartyUnderTest;
let prefecture: RelyingPartyUnderTest;
let narrow: RelyingPartyUnderTest;
let hanako: { phone: VirtualPhone; device: string };
const HANAKO = 'hanako.signin@example.jp';

beforeAll(async () => {
  world = await startWorld();
  const all = 'name,gender,birthdate,address,email,email_verified,municipality_code';
  city = await onboardRelyingParty(world, {
    name: '品川区電子申請',
    sector: 'apply.city.shinagawa.example.lg.jp',
    claims: all,
  });
  citySibling = await onboardRelyingParty(world, {
    name: '品川区施設予約',
    sector: 'apply.city.shinagawa.example.lg.jp',
    claims: all,
  });
  prefecture = await onboardRelyingParty(world, {
    name: '東京都電子申請',
    sector: 'shinsei.pref.example.lg.jp',
    claims: all,
  });
  narrow = await onboardRelyingParty(world, {
    name: '図書館',
    sector: 'library.example.lg.jp',
    claims: 'name',
  });
  hanako = await residentWithAddress(world, HANAKO);
});

afterAll(async () => {
  await world?.stop();
});

/** What the relying party checks a callback against: its PKCE verifier, state and nonce. */
const checksOf = (started: { verifier: string; state: string; nonce: string }) => ({
  pkceCodeVerifier: started.verifier,
  expectedState: started.state,
  expectedNonce: started.nonce,
});

/**
 * The whole sign-in: browser to the page; the e-mail box, the push and the app's list (or the user code
 * typed into the app); PIN1 on the phone; back with a code, exchanged by the relying party.
 */
async function signIn(rp: RelyingPartyUnderTest, via: 'hint' | 'code' = 'code', resident = hanako) {
  const browser = new Browser();
  const started = await rp.start();
  const page = await browser.openSignIn(started.url);
  let request: AuthorizationRequestSummary | undefined;
  if (via === 'hint') {
    const hint = await checkedFetch(`${page.pageUrl}/login-hint`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: HANAKO }),
    });
    expect(hint.status).toBe(202);
    expect(await signInPush(world, resident.device)).toBe(page.requestId);
    request = await resident.phone.pendingSignIn(world.api, page.requestId);
  } else {
    request = await resident.phone.claimSignIn(world.api, page.userCode);
  }
  if (!request) throw new Error('the request is not listed on the phone');
  await resident.phone.decide(world.api, request, 'approve', PIN1);
  const callback = await browser.continueWhenDecided(page.pageUrl);
  const tokens = await client.authorizationCodeGrant(rp.config, callback, checksOf(started));
  return { tokens, callback, request, page, started };
}

describe('Sign in with xID', () => {
  it('serves the discovery document openid-client reads', () => {
    const metadata = city.config.serverMetadata();
    expect(metadata).toMatchObject({
      issuer: world.runtime.apiUrl,
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['ES256'],
    });
  });

  it('signs a resident in: login hint, push, approval with PIN1, code, tokens validated by openid-client, userinfo', async () => {
    const { tokens, request } = await signIn(city, 'hint');
    expect(request).toMatchObject({
      clientName: '品川区電子申請',
      claims: ['name', 'gender', 'birthdate', 'address', 'email', 'email_verified', 'municipality_code'],
      userCode: expect.stringMatching(/^[A-Z]{4}-[A-Z]{4}$/),
    });
    const claims = tokens.claims();
    expect(claims).toMatchObject({
      iss: world.runtime.apiUrl,
      aud: city.clientId,
      name: '公的　花子',
      gender: 'female',
      birthdate: '1966-11-10',
      email: HANAKO,
      email_verified: true,
      municipality_code: '131091',
      address: { region: '東京都', locality: '品川区' },
    });
    expect(claims?.sub).not.toBe(hanako.phone.account?.accountId);
    const info = await client.fetchUserInfo(city.config, tokens.access_token, claims?.sub as string);
    const {
      iss: _iss,
      aud: _aud,
      exp: _exp,
      iat: _iat,
      auth_time: _at,
      nonce: _nonce,
      ...released
    } = claims as Record<string, unknown>;
    expect(info).toEqual(released);
    const given = await world.api.authorizations(hanako.phone.accessToken as string);
    expect(given.items).toContainEqual(
      expect.objectContaining({ clientId: city.clientId, clientName: '品川区電子申請' }),
    );
    expect(
      (await world.table.snapshot()).filter((item) => item.includes('"type":"authorized"')).length,
    ).toBeGreaterThan(0);
  });

  it('gives one relying party the same sub every time, its sector the same, other sectors another', async () => {
    const sub = async (rp: RelyingPartyUnderTest) => (await signIn(rp)).tokens.claims()?.sub;
    const first = await sub(city);
    expect(await sub(city)).toBe(first);
    expect(await sub(citySibling)).toBe(first);
    expect(await sub(prefecture)).not.toBe(first);
  });

  it('lets the resident claim a request by its user code instead', async () => {
    const browser = new Browser();
    const started = await prefecture.start('openid municipality');
    const page = await browser.openSignIn(started.url);
    const request = await hanako.phone.claimSignIn(world.api, page.userCode.toLowerCase());
    expect(request).toMatchObject({ requestId: page.requestId, claims: ['municipality_code'] });
    await hanako.phone.decide(world.api, request, 'approve', PIN1);
    const tokens = await client.authorizationCodeGrant(
      prefecture.config,
      await browser.continueWhenDecided(page.pageUrl),
      checksOf(started),
    );
    expect(tokens.claims()).toMatchObject({ municipality_code: '131091' });
    expect(tokens.claims()).not.toHaveProperty('name');
  });

  it('answers a login hint for an unknown address exactly as for a known one', async () => {
    const browser = new Browser();
    const answers: { status: number; keys: string[] }[] = [];
    for (const email of [HANAKO, 'nobody.here@example.jp']) {
      const page = await browser.openSignIn((await city.start()).url);
      const response = await checkedFetch(`${page.pageUrl}/login-hint`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email }),
      });
      answers.push({ status: response.status, keys: Object.keys((await response.json()) as object).sort() });
    }
    expect(answers[0]).toEqual(answers[1]);
  });
});

describe('Sign in with xID: refusals', () => {
  it('shows an unknown client and an unregistered redirect URI as a page, and redirects nowhere', async () => {
    const browser = new Browser();
    const { url } = await city.start();
    const unknown = new URL(url);
    unknown.searchParams.set('client_id', '00000000-0000-4000-8000-000000000000');
    const elsewhere = new URL(url);
    elsewhere.searchParams.set('redirect_uri', 'https://evil.example/callback');
    for (const target of [unknown, elsewhere]) {
      const response = await browser.get(target);
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    }
  });

  it.each([
    ['no PKCE', ['code_challenge', 'code_challenge_method'], {}, 'invalid_request'],
    ['plain PKCE', [], { code_challenge_method: 'plain' }, 'invalid_request'],
    ['no state', ['state'], {}, 'invalid_request'],
    ['no nonce', ['nonce'], {}, 'invalid_request'],
  ])('redirects a request with %s back with an OAuth error', async (_, drop, set, error) => {
    const { url } = await city.start();
    for (const name of drop) url.searchParams.delete(name);
    for (const [name, value] of Object.entries(set)) url.searchParams.set(name, value);
    const response = await new Browser().get(url);
    expect(response.status).toBe(303);
    const back = new URL(response.headers.get('location') as string);
    expect(back.origin + back.pathname).toBe(city.redirectUri);
    expect(back.searchParams.get('error')).toBe(error);
  });

  it('refuses a claim the relying party may not ask for', async () => {
    const { url } = await narrow.start('openid profile');
    const back = new URL((await new Browser().get(url)).headers.get('location') as string);
    expect(back.searchParams.get('error')).toBe('invalid_scope');
  });

  it('sends a declined request back as access_denied, which openid-client reports', async () => {
    const browser = new Browser();
    const started = await city.start();
    const page = await browser.openSignIn(started.url);
    const request = await hanako.phone.claimSignIn(world.api, page.userCode);
    await hanako.phone.decide(world.api, request, 'deny', PIN1);
    const callback = await browser.continueWhenDecided(page.pageUrl);
    await expect(
      client.authorizationCodeGrant(city.config, callback, checksOf(started)),
    ).rejects.toMatchObject({ error: 'access_denied' });
  });

  it('expires a request after 5 minutes: no decision, no claim, access_denied back at the relying party', async () => {
    const browser = new Browser();
    const started = await city.start();
    const page = await browser.openSignIn(started.url);
    const request = await hanako.phone.claimSignIn(world.api, page.userCode);
    // Five minutes pass (the request's own expiry, moved into the past).
    await world.table.update(
      KEYS.authRequest(page.requestId),
      'requestExpiresAt',
      new Date(Date.now() - 1000).toISOString(),
    );
    await expect(hanako.phone.decide(world.api, request, 'approve', PIN1)).rejects.toMatchObject({
      status: 409,
      code: 'authorization_request_closed',
    });
    await expect(hanako.phone.claimSignIn(world.api, page.userCode)).rejects.toMatchObject({ status: 404 });
    const callback = await browser.continueWhenDecided(page.pageUrl);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    await expect(
      client.authorizationCodeGrant(city.config, callback, checksOf(started)),
    ).rejects.toMatchObject({ error: 'access_denied' });
  });

  it('refuses a replayed code and revokes the access token it gave', async () => {
    const { tokens, callback, started } = await signIn(city);
    const replay = client.authorizationCodeGrant(city.config, callback, checksOf(started));
    await expect(replay).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(
      client.fetchUserInfo(city.config, tokens.access_token, client.skipSubjectCheck),
    ).rejects.toMatchObject({ status: 401 });
  });

  it.each([
    ['for another audience', { aud: 'issuer' as const }],
    ['expired', { exp: -120 }],
    ['replayed (jti)', { jti: `fixed-${Date.now()}` }],
  ])('refuses a client assertion %s', async (_, change) => {
    const { callback, started } = await approvedCallback(city);
    const config = assertionConfig(world, city, change);
    if ('jti' in change) {
      // The first use is good; a second request with the same jti is refused.
      const first = await approvedCallback(city);
      await client.authorizationCodeGrant(config, first.callback, {
        pkceCodeVerifier: first.started.verifier,
        expectedState: first.started.state,
        expectedNonce: first.started.nonce,
      });
    }
    await expect(client.authorizationCodeGrant(config, callback, checksOf(started))).rejects.toMatchObject({
      error: 'invalid_client',
    });
  });

  it('refuses a client assertion signed by a key the relying party did not register', async () => {
    const { callback, started } = await approvedCallback(city);
    const stranger = await onboardRelyingParty(world, {
      name: 'よその',
      sector: 'other.example.lg.jp',
      claims: 'name',
    });
    const impostor = assertionConfig(world, city, { key: stranger.privateKey, kid: city.kid });
    await expect(client.authorizationCodeGrant(impostor, callback, checksOf(started))).rejects.toMatchObject({
      error: 'invalid_client',
    });
  });

  it('lets no resident who must re-verify approve, and releases nothing of them', async () => {
    const stale = await residentWithAddress(world, 'stale.signin@example.jp', { name: '公的　太郎' });
    const browser = new Browser();
    const page = await browser.openSignIn((await city.start()).url);
    const request = await stale.phone.claimSignIn(world.api, page.userCode);
    await world.table.update(
      KEYS.account(stale.phone.account?.accountId as string),
      'status',
      'reverification_required',
    );
    await expect(stale.phone.decide(world.api, request, 'approve', PIN1)).rejects.toMatchObject({
      status: 409,
      code: 'reverification_required',
    });
  });

  it("revokes what the resident takes back: userinfo refuses the relying party's token", async () => {
    const { tokens } = await signIn(citySibling);
    await world.api.revokeAuthorization(hanako.phone.accessToken as string, citySibling.clientId);
    await expect(
      client.fetchUserInfo(citySibling.config, tokens.access_token, client.skipSubjectCheck),
    ).rejects.toMatchObject({ status: 401 });
    expect(
      (await world.api.authorizations(hanako.phone.accessToken as string)).items.map((i) => i.clientId),
    ).not.toContain(citySibling.clientId);
  });

  it('forgets a resident who leaves: grants, addressed requests and the hint index go; userinfo refuses', async () => {
    const address = 'leaving.signin@example.jp';
    const leaving = await residentWithAddress(world, address, { name: '退会\u3000三郎' });
    const { tokens } = await signIn(city, 'code', leaving);
    const accountId = leaving.phone.account?.accountId as string;
    await leaving.phone.leave(world.api, PIN2);
    await expect(
      client.fetchUserInfo(city.config, tokens.access_token, client.skipSubjectCheck),
    ).rejects.toMatchObject({ status: 401 });
    const items = (await world.table.snapshot()).map((item) => JSON.parse(item) as Record<string, unknown>);
    expect(items.filter((item) => item.pk === KEYS.emailIndexOf(address))).toEqual([]);
    // Left naming the account: its tombstone, and the request, code and token records of the sign-in and
    // the user-code claim counter, which live minutes and go by TTL (ids, hashes, claim names, counts).
    const naming = items.filter((item) => JSON.stringify(item).includes(accountId));
    expect(naming.filter((item) => String(item.pk).startsWith('ACCOUNT#'))).toEqual([
      { pk: `ACCOUNT#${accountId}`, sk: 'PROFILE', accountId, deletedAt: expect.any(String) },
    ]);
    for (const item of naming.filter((item) => !String(item.pk).startsWith('ACCOUNT#'))) {
      expect(String(item.pk)).toMatch(/^(AUTHREQ|AUTHCODE|OIDCTOKEN|LIMIT)#/);
      expect(item.expiresAt).toEqual(expect.any(Number));
    }
  });

  it('manages relying parties with the command: list, update, remove', () => {
    const listed = clientCli(world, 'list') as { clientId: string }[];
    expect(listed.map((c) => c.clientId)).toContain(narrow.clientId);
    const updated = clientCli(world, 'update', narrow.clientId, '--claims', 'name,municipality_code') as {
      claims: string[];
    };
    expect(updated.claims).toEqual(['name', 'municipality_code']);
    expect(clientCli(world, 'remove', narrow.clientId)).toEqual({ clientId: narrow.clientId, removed: true });
    expect((clientCli(world, 'list') as { clientId: string }[]).map((c) => c.clientId)).not.toContain(
      narrow.clientId,
    );
  });
});

/** A sign-in approved on the phone and continued in the browser, not yet exchanged. */
async function approvedCallback(rp: RelyingPartyUnderTest) {
  const browser = new Browser();
  const started = await rp.start();
  const page = await browser.openSignIn(started.url);
  const request = await hanako.phone.claimSignIn(world.api, page.userCode);
  await hanako.phone.decide(world.api, request, 'approve', PIN1);
  return { callback: await browser.continueWhenDecided(page.pageUrl), started };
}
