import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { errorPageHtml, REQUEST_PAGE_CSP, requestPageHtml } from '#functions/oidc/page';

const view = {
  requestId: '0b6f3c52-4a8e-4f8e-9a51-2f3c5d6e7f80',
  clientName: '<script>alert(1)</script>品川区',
  claims: ['name', 'birthdate'] as const,
  userCode: 'BCDF-GHJK',
  minutesLeft: 5,
};

/** Every inline script and style of a page, and whether the policy allows each by its hash. */
function inline(html: string, tag: 'script' | 'style') {
  return [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map(
    (m) =>
      `'sha256-${createHash('sha256')
        .update(m[1] as string)
        .digest('base64')}'`,
  );
}

describe('the request page', () => {
  it.each(['ja', 'en'] as const)('allows its one script and its one style by hash (%s)', (locale) => {
    const html = requestPageHtml({ ...view, claims: [...view.claims], locale });
    const scripts = inline(html, 'script');
    expect(scripts).toHaveLength(1);
    expect(REQUEST_PAGE_CSP).toContain(`script-src ${scripts[0]};`);
    expect(REQUEST_PAGE_CSP).toContain(`style-src ${inline(html, 'style')[0]};`);
    expect(REQUEST_PAGE_CSP).toMatch(/^default-src 'none';/);
  });

  it('escapes the relying party name and loads nothing from elsewhere', () => {
    const html = requestPageHtml({ ...view, claims: [...view.claims], locale: 'ja' });
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;品川区');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).toContain('BCDF-GHJK');
    expect(html).toContain('<svg');
    expect(html).toContain('<li>氏名</li><li>生年月日</li>');
  });

  it('shows errors in both languages, the chosen one first', () => {
    const { status, html } = errorPageHtml('redirect_uri_mismatch', 'en');
    expect(status).toBe(400);
    expect(html.indexOf('The return address')).toBeLessThan(html.indexOf('戻り先'));
  });
});
