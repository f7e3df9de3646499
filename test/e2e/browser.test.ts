import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#lib/paths';
import { chromiumPath, launchChromium, type ResidentBrowser, watchCsp } from '#test/harness/browser';
import { latestLink } from '#test/harness/phone/mailbox';
import { startWorld, type World } from './world.ts';

/**
 * The pages a resident opens in a browser rather than in the app: the e-mail confirmation page in each of
 * its outcomes, and the terms documents, in real headless Chromium. Each must render in Japanese and
 * English without one Content-Security-Policy violation; a screenshot of each is kept in
 * `test-artifacts/browser/`. Without Chromium the test says so and is skipped, except in CI, where it fails.
 */
const chromium = chromiumPath();
if (!chromium) {
  if (process.env.CI) throw new Error('browser test: chromium is missing in CI (apt-get install chromium)');
  console.warn(
    'browser test skipped: no chromium at /usr/bin/chromium or $XID_CHROMIUM (apt-get install chromium)',
  );
}

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts/browser');
let world: World;
let resident: ResidentBrowser;

beforeAll(async () => {
  if (!chromium) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  [world, resident] = await Promise.all([startWorld(), launchChromium(chromium)]);
}, 180_000);

afterAll(async () => {
  await resident?.close();
  await world?.stop();
});

interface Visit {
  status: number;
  contentType: string;
  violations: string[];
  page: Page;
}

/** Opens a URL in a fresh tab, waits for it, keeps a screenshot, and reports the CSP violations seen. */
async function visit(url: string, name: string, prepare?: (page: Page) => Promise<void>): Promise<Visit> {
  const page = await resident.browser.newPage();
  const violations = await watchCsp(page);
  await prepare?.(page);
  const response = await page.goto(url, { waitUntil: 'load' });
  if (!response) throw new Error(`no response for ${name}`);
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  expect(readFileSync(file).subarray(1, 4).toString('latin1')).toBe('PNG');
  return {
    status: response.status(),
    contentType: response.headers()['content-type'] ?? '',
    violations: await violations(),
    page,
  };
}

/** What the confirmation page shows: its language, and each section's language, heading and text. */
async function confirmationPage(page: Page) {
  return page.evaluate(() => ({
    lang: document.documentElement.lang,
    sections: Array.from(document.querySelectorAll('section')).map((section) => ({
      lang: section.closest('[lang]')?.getAttribute('lang'),
      heading: section.querySelector('h1')?.textContent,
      visible: section.getBoundingClientRect().height > 0,
    })),
    // 36rem: present only if the inline style was allowed by the page's CSP hash.
    maxWidth: getComputedStyle(document.body).maxWidth,
  }));
}

async function newConfirmationLink(): Promise<{ link: string; email: string; token: string }> {
  const phone = await world.activePhone();
  const token = phone.accessToken as string;
  const email = `browser.${Date.now()}.${Math.random().toString(36).slice(2, 8)}@example.jp`;
  await world.api.setEmail(token, email);
  return { link: await latestLink(world.runtime.record.mailboxUrl, email), email, token };
}

const OUTCOMES = {
  confirmed: { status: 200, ja: 'メールアドレスを確認しました', en: 'Your email address is confirmed' },
  used: { status: 409, ja: 'このリンクはすでに使用されています', en: 'This link has already been used' },
  expired: { status: 410, ja: 'このリンクは有効期限が切れています', en: 'This link has expired' },
  unknown: { status: 404, ja: 'このリンクは無効です', en: 'This link is not valid' },
} as const;

describe.skipIf(!chromium)('pages a resident opens in a browser (headless Chromium)', () => {
  const links: Partial<Record<keyof typeof OUTCOMES, string>> = {};

  beforeAll(async () => {
    if (!chromium) return;
    const confirmed = await newConfirmationLink();
    links.confirmed = confirmed.link;
    links.used = confirmed.link;
    const replaced = await newConfirmationLink();
    await world.api.resendEmail(replaced.token);
    links.expired = replaced.link;
    links.unknown = `${world.runtime.apiUrl}/v1/email-verifications/${'A'.repeat(43)}`;
  }, 120_000);

  // In this order: the first visit of the link confirms the address, the second finds it used.
  it.each(Object.keys(OUTCOMES) as (keyof typeof OUTCOMES)[])(
    'renders the confirmation page (%s) in Japanese and English, within its CSP',
    async (outcome) => {
      const expected = OUTCOMES[outcome];
      const { status, contentType, violations, page } = await visit(
        links[outcome] as string,
        `email-confirmation-${outcome}`,
      );
      expect(status).toBe(expected.status);
      expect(contentType).toBe('text/html; charset=utf-8');
      expect(await confirmationPage(page)).toEqual({
        lang: 'ja',
        sections: [
          { lang: 'ja', heading: expected.ja, visible: true },
          { lang: 'en', heading: expected.en, visible: true },
        ],
        maxWidth: '576px',
      });
      expect(violations).toEqual([]);
      await page.close();
    },
  );

  it.each(['terms-of-use', 'privacy-policy'])(
    'shows the %s document as the exact text whose digest the card signs, within its CSP',
    async (slug) => {
      const terms = await world.api.getTerms();
      const published = slug === 'terms-of-use' ? terms.terms : terms.privacyPolicy;
      const { status, contentType, violations, page } = await visit(published.url, `terms-${slug}`);
      expect(status).toBe(200);
      expect(contentType).toBe('text/markdown; charset=utf-8');
      const shown = await page.evaluate(() => document.body.textContent ?? '');
      expect(createHash('sha256').update(shown, 'utf8').digest('hex')).toBe(published.sha256);
      expect(shown).toMatch(/見本/);
      expect(shown).toContain('This is an EXAMPLE text');
      expect(violations).toEqual([]);

      // The browser keeps the text and revalidates it on the next visit: a 304 with the same ETag.
      const conditional: string[] = [];
      page.on('response', (response) => {
        if (response.url() === published.url) conditional.push(String(response.status()));
      });
      const again = await page.reload({ waitUntil: 'load' });
      expect(again?.headers().etag).toBe(`"${published.sha256}"`);
      expect(conditional).toEqual(['304']);
      expect(await page.evaluate(() => document.body.textContent ?? '')).toBe(shown);
      await page.close();
    },
  );

  it('catches a violation when a page breaks its CSP, so that "none" above means none', async () => {
    const url = `${world.runtime.apiUrl}/v1/email-verifications/${'B'.repeat(43)}`;
    const original = await fetch(url);
    const html = await original.text();
    const { violations, page } = await visit(url, 'csp-control', async (tab) => {
      await tab.setRequestInterception(true);
      tab.on('request', (request) => {
        if (request.url() !== url) return void request.continue();
        // The same page under a policy without the style's hash: its inline style must be refused.
        return void request.respond({
          status: original.status,
          headers: { 'Content-Security-Policy': "default-src 'none'" },
          contentType: 'text/html; charset=utf-8',
          body: html,
        });
      });
    });
    expect(violations.length).toBeGreaterThan(0);
    expect(violations.join('\n')).toMatch(/style-src/);
    expect((await confirmationPage(page)).maxWidth).not.toBe('576px');
    await page.close();
  });
});
