import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/**
 * The resident's browser: headless Chromium from Debian's `chromium` package, driven by puppeteer-core (which
 * downloads no browser). A fresh profile per launch, and nothing that phones home.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where Chromium is: `XID_CHROMIUM`, or Debian's `/usr/bin/chromium`; undefined when neither exists. */
export function chromiumPath(): string | undefined {
  const candidate = process.env.XID_CHROMIUM ?? '/usr/bin/chromium';
  return existsSync(candidate) ? candidate : undefined;
}

export interface ResidentBrowser {
  browser: Browser;
  close(): Promise<void>;
}

export async function launchChromium(executablePath: string): Promise<ResidentBrowser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'xid-chromium-'));
  const browser = await puppeteer.launch({
    executablePath,
    // The flags say headless themselves, so puppeteer adds none of its own choosing.
    headless: false,
    args: [...CHROMIUM_ARGS, `--user-data-dir=${profile}`],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Records every Content-Security-Policy violation of a page, from both sides: the `securitypolicyviolation`
 * events the document fires (a listener installed before any of its scripts, which CSP does not govern)
 * and the console messages Chromium writes for them.
 */
export async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  const fromConsole: string[] = [];
  page.on('console', (message) => {
    if (/Content[- ]Security[- ]Policy/i.test(message.text())) fromConsole.push(message.text());
  });
  await page.evaluateOnNewDocument(() => {
    const seen: string[] = [];
    (globalThis as unknown as { __cspViolations: string[] }).__cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (event) => {
      seen.push(`${event.effectiveDirective} ${event.blockedURI}`);
    });
  });
  return async () => {
    const fromEvents = await page.evaluate(
      () => (globalThis as unknown as { __cspViolations?: string[] }).__cspViolations ?? [],
    );
    return [...fromEvents, ...fromConsole];
  };
}
