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

export const DEVICE_CHANGED_SUBJECT =
  '【xID】機種変更・再設定の手続きが行われました / Your xID was moved to a new device';

/** When a recovery happened, in Japan's time, for the notice mail (e.g. `2026年11月27日 12:00`). */
function japanTime(at: Date): string {
  const jst = new Date(at.getTime() + 9 * 3_600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${jst.getUTCFullYear()}年${jst.getUTCMonth() + 1}月${jst.getUTCDate()}日 ${pad(jst.getUTCHours())}:${pad(jst.getUTCMinutes())}`;
}

/**
 * The mail a recovery sends to the verified address (design.md §3.9): Japanese first, English below; no
 * link (nothing to click in a mail that says a device changed), only when it happened and what to do if it
 * was not the resident.
 */
export function deviceChangedMail(at: Date): { subject: string; text: string; html: string } {
  const when = japanTime(at);
  const iso = at.toISOString();
  const ja = [
    `${when}（日本時間）に、マイナンバーカードによるxIDの機種変更・再設定の手続きが行われました。`,
    'これまでの端末でのログインは無効になり、以前の端末には自治体からのお知らせが届かなくなります。',
    '新しい端末でIDの有効化を行ってください。',
    'この手続きに心当たりがない場合は、マイナンバーカードの紛失・盗難の可能性があります。カードの一時利用停止（マイナンバー総合フリーダイヤル）をご検討のうえ、xIDのサポートにご連絡ください。',
  ];
  const en = [
    `At ${iso} (UTC), your xID was moved to a new device with your My Number card.`,
    'Logins on the previous device no longer work, and it no longer receives notices from your municipality.',
    'Activate your ID on the new device.',
    'If this was not you, your card may be lost or stolen: consider suspending it, and contact xID support.',
  ];
  const text = [...ja, '', '----', '', ...en].join('\n');
  const html = `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>${escapeHtml(DEVICE_CHANGED_SUBJECT)}</title></head>
<body style="font-family:sans-serif;line-height:1.6;color:#1a1a1a">
${ja.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n')}
<hr>
<div lang="en">
${en.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n')}
</div>
</body></html>`;
  return { subject: DEVICE_CHANGED_SUBJECT, text, html };
}
