import { createHash } from 'node:crypto';
import { CLAIM_LABELS, type ClaimName } from './claims.ts';
import type { PageErrorCode } from './errors.ts';
import { qrSvg } from './qr.ts';

/**
 * The pages of Sign in with xID: the request page the browser waits on (relying party, claims, user code
 * and its QR code, the e-mail box), and the error page shown where nobody may be redirected. Static HTML in
 * Japanese or English; one script and one style, both allowed by their hashes in a Content-Security-Policy
 * that allows nothing else but requests to this origin. No third-party asset of any kind.
 */
export type Locale = 'ja' | 'en';

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;line-height:1.6;color:#1a1a1a;background:#fff}h1{font-size:1.4rem}.rp{font-weight:bold}.code{font:bold 2rem/1.2 ui-monospace,monospace;letter-spacing:.15em;margin:.5rem 0}.qr{display:block;margin:1rem 0}form{display:flex;gap:.5rem;flex-wrap:wrap}input{flex:1;min-width:12rem;font-size:1rem;padding:.4rem}button{font-size:1rem;padding:.4rem 1rem}.note{color:#555;font-size:.9rem}nav{text-align:right;font-size:.9rem}';

/**
 * The page's only script: it sends the login hint and polls the status, then continues. Messages come from
 * data attributes so that the script is the same bytes in every language (one hash in the policy).
 */
const SCRIPT = `(() => {
  const main = document.querySelector('main');
  const id = main.dataset.requestId;
  const say = (el, text) => { el.textContent = text; };
  const form = document.getElementById('hint');
  const result = document.getElementById('hint-result');
  form.hidden = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const email = form.elements.email.value;
    try {
      const response = await fetch(id + '/login-hint', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email }),
      });
      say(result, response.ok ? result.dataset.sent : response.status === 429 ? result.dataset.limited : response.status === 400 ? result.dataset.invalid : result.dataset.failed);
    } catch {
      say(result, result.dataset.failed);
    }
  });
  const status = document.getElementById('status');
  const poll = async () => {
    try {
      const response = await fetch(id + '/status', { cache: 'no-store' });
      if (response.ok) {
        const { state } = await response.json();
        if (state !== 'pending') {
          say(status, status.dataset[state] || '');
          window.location.assign(id + '/continue');
          return;
        }
      }
    } catch {}
    setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
})();`;

const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** The request page's policy: its script and style by hash, requests only to this origin. */
export const REQUEST_PAGE_CSP = `default-src 'none'; script-src ${hash(SCRIPT)}; style-src ${hash(STYLE)}; connect-src 'self'; img-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;
/** The error page's policy: its style only. */
export const ERROR_PAGE_CSP = `default-src 'none'; style-src ${hash(STYLE)}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

const escapeHtml = (text: string) =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

const TEXT = {
  ja: {
    title: 'xIDでログイン',
    asks: (rp: string) => `<span class="rp">${rp}</span> が、次の情報の提供を求めています。`,
    always: 'このサービス専用の利用者識別子（ほかのサービスとは共有されません）',
    open: 'xIDアプリの「ログイン要求」でこのコードを入力するか、QRコードを読み取ってください。',
    qr: 'ユーザーコードのQRコード',
    hint: 'または、xIDに登録したメールアドレスを入力すると、アプリに通知が届きます。',
    email: 'メールアドレス',
    send: '通知する',
    sent: '登録されているメールアドレスであれば、アプリに通知しました。アプリで内容を確認し、PIN1で承認してください。',
    limited: '送信が多すぎます。しばらくしてからもう一度お試しください。',
    invalid: 'メールアドレスの形式が正しくありません。',
    failed: '送信できませんでした。もう一度お試しください。',
    waiting: 'アプリでの承認を待っています。このページは自動で進みます。',
    expires: (minutes: number) => `この要求は${minutes}分で期限切れになります。`,
    approved: '承認されました。サービスに戻ります…',
    denied: '拒否されました。サービスに戻ります…',
    expired: '期限が切れました。サービスに戻ります…',
    noscript: 'JavaScriptが無効です。アプリで承認した後、次のリンクで進んでください。',
    next: '進む',
    other: 'English',
  },
  en: {
    title: 'Sign in with xID',
    asks: (rp: string) => `<span class="rp">${rp}</span> asks for the following information.`,
    always: 'An identifier for this service only (never shared with other services)',
    open: 'In the xID app, open “Sign-in requests” and enter this code, or scan the QR code.',
    qr: 'QR code of the user code',
    hint: 'Or enter the email address you registered with xID, and your app will be notified.',
    email: 'Email address',
    send: 'Notify',
    sent: 'If this address is registered, your app has been notified. Check the request in the app and approve it with PIN1.',
    limited: 'Too many attempts. Please try again later.',
    invalid: 'This is not a valid email address.',
    failed: 'Could not send. Please try again.',
    waiting: 'Waiting for approval in the app. This page continues by itself.',
    expires: (minutes: number) => `This request expires in ${minutes} minutes.`,
    approved: 'Approved. Returning to the service…',
    denied: 'Declined. Returning to the service…',
    expired: 'The request has expired. Returning to the service…',
    noscript: 'JavaScript is off. After approving in the app, continue with this link.',
    next: 'Continue',
    other: '日本語',
  },
} as const;

function htmlDocument(locale: Locale, title: string, body: string): string {
  return `<!doctype html>
<html lang="${locale}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<meta name="referrer" content="no-referrer"><title>${title} — xID</title><style>${STYLE}</style></head>
<body>${body}</body></html>`;
}

/** What the app scans: the user code, in a link the xID app opens (see docs/api.md). */
export const claimLink = (userCode: string) => `xid://authorization-requests/claim?userCode=${userCode}`;

/** The request page. Links are relative to the page (`{requestId}/status`, …), so the base path does not matter. */
export function requestPageHtml(view: {
  requestId: string;
  clientName: string;
  claims: readonly ClaimName[];
  userCode: string;
  minutesLeft: number;
  locale: Locale;
}): string {
  const t = TEXT[view.locale];
  const other: Locale = view.locale === 'ja' ? 'en' : 'ja';
  const items = [...view.claims.map((c) => CLAIM_LABELS[c][view.locale]), t.always]
    .map((label) => `<li>${escapeHtml(label)}</li>`)
    .join('');
  const id = escapeHtml(view.requestId);
  const body = `<nav><a href="${id}?lang=${other}" lang="${other}">${t.other}</a></nav>
<main data-request-id="${id}">
<h1>${t.title}</h1>
<p>${t.asks(escapeHtml(view.clientName))}</p>
<ul id="claims">${items}</ul>
<p>${t.open}</p>
<p class="code" id="user-code">${escapeHtml(view.userCode)}</p>
<span class="qr">${qrSvg(claimLink(view.userCode), { title: t.qr })}</span>
<p>${t.hint}</p>
<form id="hint" hidden><input type="email" name="email" autocomplete="email" required aria-label="${t.email}" placeholder="${t.email}"><button type="submit">${t.send}</button></form>
<p id="hint-result" role="status" data-sent="${t.sent}" data-limited="${t.limited}" data-invalid="${t.invalid}" data-failed="${t.failed}"></p>
<p id="status" role="status" data-approved="${t.approved}" data-denied="${t.denied}" data-expired="${t.expired}">${t.waiting}</p>
<p class="note">${t.expires(view.minutesLeft)}</p>
<noscript><p>${t.noscript} <a href="${id}/continue">${t.next}</a></p></noscript>
</main>
<script>${SCRIPT}</script>`;
  return htmlDocument(view.locale, t.title, body);
}

const ERRORS: Record<PageErrorCode, { status: number; ja: [string, string]; en: [string, string] }> = {
  invalid_request: {
    status: 400,
    ja: ['ログイン要求が正しくありません', '利用中のサービスに戻り、もう一度ログインしてください。'],
    en: ['The sign-in request is not valid', 'Go back to the service and sign in again.'],
  },
  client_missing: {
    status: 400,
    ja: ['サービスが指定されていません', '利用中のサービスに戻り、もう一度ログインしてください。'],
    en: ['No service is named', 'Go back to the service and sign in again.'],
  },
  unknown_client: {
    status: 400,
    ja: ['このサービスはxIDに登録されていません', 'サービスの提供者にお問い合わせください。'],
    en: ['This service is not registered with xID', 'Please contact the provider of the service.'],
  },
  redirect_uri_missing: {
    status: 400,
    ja: ['戻り先が指定されていません', 'サービスの提供者にお問い合わせください。'],
    en: ['No return address is given', 'Please contact the provider of the service.'],
  },
  redirect_uri_mismatch: {
    status: 400,
    ja: [
      '戻り先がこのサービスに登録されたものと一致しません',
      '安全のため、ここで止めました。サービスの提供者にお問い合わせください。',
    ],
    en: [
      'The return address is not one registered for this service',
      'For your safety, sign-in stopped here. Please contact the provider of the service.',
    ],
  },
  request_unknown: {
    status: 404,
    ja: [
      'このログイン要求は見つかりません',
      '期限が切れた可能性があります。サービスに戻り、もう一度ログインしてください。',
    ],
    en: [
      'This sign-in request was not found',
      'It may have expired. Go back to the service and sign in again.',
    ],
  },
  browser_mismatch: {
    status: 403,
    ja: [
      'ログインを始めたブラウザーで開いてください',
      'このページは、ログインを始めたブラウザーでのみ続行できます。',
    ],
    en: [
      'Open this page in the browser that started signing in',
      'Only the browser that started signing in can continue.',
    ],
  },
  request_completed: {
    status: 409,
    ja: ['このログイン要求は完了しています', 'サービスに戻ってください。'],
    en: ['This sign-in request is already complete', 'Please go back to the service.'],
  },
};

export function errorPageHtml(code: PageErrorCode, locale: Locale): { status: number; html: string } {
  const { status, ja, en } = ERRORS[code];
  const [first, second] = locale === 'en' ? [en, ja] : [ja, en];
  const other = locale === 'en' ? 'ja' : 'en';
  const body = `<main>
<section><h1>${first[0]}</h1><p>${first[1]}</p></section>
<section lang="${other}"><h1>${second[0]}</h1><p>${second[1]}</p></section>
</main>`;
  return { status, html: htmlDocument(locale, first[0], body) };
}
