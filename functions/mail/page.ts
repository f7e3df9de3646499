import { createHash } from 'node:crypto';

/**
 * The small page the confirmation link opens: Japanese and English, no script, no external asset, one
 * inline style allowed by its hash in the page's Content-Security-Policy.
 */
export type VerificationOutcome = 'confirmed' | 'expired' | 'used' | 'unknown';

const TEXT: Record<VerificationOutcome, { status: number; ja: [string, string]; en: [string, string] }> = {
  confirmed: {
    status: 200,
    ja: ['メールアドレスを確認しました', 'xIDアプリに戻り、「利用を開始する」をタップしてください。'],
    en: ['Your email address is confirmed', 'Go back to the xID app and tap “Start”.'],
  },
  expired: {
    status: 410,
    ja: ['このリンクは有効期限が切れています', 'xIDアプリから確認メールをもう一度送信してください。'],
    en: ['This link has expired', 'Send the confirmation mail again from the xID app.'],
  },
  used: {
    status: 409,
    ja: ['このリンクはすでに使用されています', 'メールアドレスの確認は完了しています。'],
    en: ['This link has already been used', 'Your email address was confirmed before.'],
  },
  unknown: {
    status: 404,
    ja: [
      'このリンクは無効です',
      'メールのリンクをもう一度開くか、xIDアプリから確認メールを再送信してください。',
    ],
    en: ['This link is not valid', 'Open the link in the mail again, or send a new mail from the xID app.'],
  },
};

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.6;color:#1a1a1a;background:#fff}h1{font-size:1.4rem}section+section{border-top:1px solid #ccc;margin-top:1.5rem}';
export const PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

export function verificationPage(outcome: VerificationOutcome): { status: number; html: string } {
  const { status, ja, en } = TEXT[outcome];
  const html = `<!doctype html>
<html lang="ja">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${ja[0]} / ${en[0]} — xID</title><style>${STYLE}</style></head>
<body><main>
<section><h1>${ja[0]}</h1><p>${ja[1]}</p></section>
<section lang="en"><h1>${en[0]}</h1><p>${en[1]}</p></section>
</main></body></html>`;
  return { status, html };
}
