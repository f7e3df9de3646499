/**
 * The confirmation mail: Japanese first, English below (design.md §3.4), text and HTML. The link is the
 * only variable; it is escaped for HTML.
 */
export const SUBJECT = '【xID】メールアドレスの確認 / Confirm your email address';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

export function confirmationMail(link: string): { subject: string; text: string; html: string } {
  const text = [
    'xIDをご利用いただきありがとうございます。',
    '下のリンクを開いて、メールアドレスの確認を完了してください。リンクの有効期限は24時間です。',
    '',
    link,
    '',
    'このメールに心当たりがない場合は、このメールを破棄してください。',
    '',
    '----',
    '',
    'Thank you for using xID.',
    'Open the link below to confirm your email address. The link expires in 24 hours.',
    '',
    link,
    '',
    'If you did not ask for this, you can ignore this email.',
  ].join('\n');
  const href = escapeHtml(link);
  const html = `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>${escapeHtml(SUBJECT)}</title></head>
<body style="font-family:sans-serif;line-height:1.6;color:#1a1a1a">
<p>xIDをご利用いただきありがとうございます。<br>下のボタンを押して、メールアドレスの確認を完了してください。リンクの有効期限は24時間です。</p>
<p><a href="${href}" style="display:inline-block;padding:12px 20px;background:#0b57d0;color:#fff;text-decoration:none;border-radius:6px">メールアドレス確認</a></p>
<p>このメールに心当たりがない場合は、このメールを破棄してください。</p>
<hr>
<div lang="en">
<p>Thank you for using xID.<br>Press the button below to confirm your email address. The link expires in 24 hours.</p>
<p><a href="${href}" style="display:inline-block;padding:12px 20px;background:#0b57d0;color:#fff;text-decoration:none;border-radius:6px">Confirm email address</a></p>
<p>If you did not ask for this, you can ignore this email.</p>
</div>
<p style="font-size:12px;color:#555">${href}</p>
</body></html>`;
  return { subject: SUBJECT, text, html };
}
