import { mkdirSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#lib/paths';
import { chromiumPath, launchChromium, type ResidentBrowser, watchCsp } from '#test/harness/browser';
import type { VirtualPhone } from '#test/harness/phone/phone';
import {
  onboardRelyingParty,
  type RelyingPartyUnderTest,
  residentWithAddress,
  signInPush,
} from './sign-in.ts';
import { PIN1, startWorld, type World } from './world.ts';

/**
 * The request page of Sign in with xID in real headless Chromium (design.md §3.13): open the authorize URL,
 * read the relying party, the claims and the user code with its QR code, enter the e-mail address, approve
 * on the virtual phone with PIN1, and see the browser arrive at the relying party with a code, which
 * `openid-client` then exchanges. No Content-Security-Policy violation on the way; a screenshot of the
 * page is kept in `test-artifacts/browser/`. Without Chromium the test says so and is skipped, except in CI.
 */
const chromium = chromiumPath();
if (!chromium) {
  if (process.env.CI)
    throw new Error('sign-in browser test: chromium is missing in CI (apt-get install chromium)');
  console.warn(
    'sign-in browser test skipped: no chromium at /usr/bin/chromium or $XID_CHROMIUM (apt-get install chromium)',
  );
}

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts/browser');
const EMAIL = 'hanako.browser@example.jp';
let world: World;
let resident: ResidentBrowser;
let rp: RelyingPartyUnderTest;
let hanako: { phone: VirtualPhone; device: string };
let callbacks: http.Server;

beforeAll(async () => {
  if (!chromium) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  // The relying party's callback: it answers a small page, as a relying party would after the exchange.
  callbacks = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>callback</title><p>signed in</p>');
  });
  await new Promise<void>((resolve) => callbacks.listen(0, '127.0.0.1', resolve));
  const { port } = callbacks.address() as { port: number };
  [world, resident] = await Promise.all([startWorld(), launchChromium(chromium)]);
  rp = await onboardRelyingParty(world, {
    name: '品川区電子申請',
    sector: 'apply.city.shinagawa.example.lg.jp',
    claims: 'name,birthdate,address,municipality_code',
    port,
  });
  hanako = await residentWithAddress(world, EMAIL);
}, 180_000);

afterAll(async () => {
  await resident?.close();
  await world?.stop();
  await new Promise((resolve) => (callbacks ? callbacks.close(resolve) : resolve(undefined)));
});

describe.skipIf(!chromium)('Sign in with xID in a browser', () => {
  it('shows the request, notifies the phone, and continues to the relying party with a code', async () => {
    const page = await resident.browser.newPage();
    // A resident whose browser prefers Japanese.
    await page.setExtraHTTPHeaders({ 'accept-language': 'ja-JP,ja;q=0.9,en;q=0.5' });
    const violations = await watchCsp(page);
    const started = await rp.start('openid address municipality', {
      claims: JSON.stringify({ id_token: { name: null, birthdate: null } }),
    });
    const opened = await page.goto(started.url.href, { waitUntil: 'load' });
    expect(opened?.status()).toBe(200);
    expect(opened?.headers()['content-security-policy']).toMatch(/^default-src 'none'; script-src 'sha256-/);

    const shown = await page.evaluate(() => ({
      lang: document.documentElement.lang,
      heading: document.querySelector('h1')?.textContent,
      relyingParty: document.querySelector('.rp')?.textContent,
      claims: Array.from(document.querySelectorAll('#claims li')).map((li) => li.textContent),
      userCode: document.querySelector('#user-code')?.textContent,
      qr: document.querySelector('svg path')?.getAttribute('d')?.length ?? 0,
      formShown: !(document.querySelector('#hint') as HTMLFormElement).hidden,
      maxWidth: getComputedStyle(document.body).maxWidth,
    }));
    expect(shown).toMatchObject({
      lang: 'ja',
      heading: 'xIDでログイン',
      relyingParty: '品川区電子申請',
      claims: ['氏名', '生年月日', '住所', '住所の市区町村コード', expect.stringContaining('利用者識別子')],
      userCode: expect.stringMatching(/^[A-Z]{4}-[A-Z]{4}$/),
      formShown: true,
      // 34rem: present only if the inline style was allowed by the page's CSP hash.
      maxWidth: '544px',
    });
    expect(shown.qr).toBeGreaterThan(1000);

    await page.type('#hint input[name=email]', EMAIL);
    await page.click('#hint button');
    await page.waitForFunction(() => (document.querySelector('#hint-result')?.textContent ?? '').length > 0);
    expect(await page.$eval('#hint-result', (el) => el.textContent)).toContain('アプリに通知しました');
    const file = path.join(ARTIFACTS, 'sign-in-request-page.png');
    await page.screenshot({ path: file, fullPage: true });
    expect(readFileSync(file).subarray(1, 4).toString('latin1')).toBe('PNG');

    const requestId = page.url().split('/').at(-1) as string;
    expect(await signInPush(world, hanako.device)).toBe(requestId);
    const request = await hanako.phone.pendingSignIn(world.api, requestId);
    if (!request) throw new Error('the phone does not list the request');
    expect(request.claims).toEqual(['name', 'birthdate', 'address', 'municipality_code']);
    const arrived = page.waitForNavigation({ waitUntil: 'load', timeout: 20_000 });
    await hanako.phone.decide(world.api, request, 'approve', PIN1);
    await arrived;

    const callback = new URL(page.url());
    expect(callback.origin + callback.pathname).toBe(rp.redirectUri);
    expect(callback.searchParams.get('state')).toBe(started.state);
    expect(callback.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const tokens = await client.authorizationCodeGrant(rp.config, callback, {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
      expectedNonce: started.nonce,
    });
    expect(tokens.claims()).toMatchObject({
      name: '公的　花子',
      birthdate: '1966-11-10',
      municipality_code: '131091',
    });
    expect(await violations()).toEqual([]);
  });

  it('shows the page in English on request, and an error page, not a redirect, for a stranger redirect URI', async () => {
    const page = await resident.browser.newPage();
    const violations = await watchCsp(page);
    const { url } = await rp.start('openid', { ui_locales: 'en' });
    await page.goto(url.href, { waitUntil: 'load' });
    expect(await page.$eval('h1', (el) => el.textContent)).toBe('Sign in with xID');
    await page.screenshot({ path: path.join(ARTIFACTS, 'sign-in-request-page.en.png'), fullPage: true });
    url.searchParams.set('redirect_uri', 'https://evil.example/callback');
    const refused = await page.goto(url.href, { waitUntil: 'load' });
    expect(refused?.status()).toBe(400);
    expect(new URL(page.url()).host).toBe(new URL(world.runtime.apiUrl).host);
    expect(await page.$eval('h1', (el) => el.textContent)).toContain('return address');
    await page.screenshot({ path: path.join(ARTIFACTS, 'sign-in-redirect-refused.png'), fullPage: true });
    expect(await violations()).toEqual([]);
  });
});
