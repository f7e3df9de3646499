import { BODY_MAX, cut, snsPushMessage, TITLE_MAX } from '../notices/push-payload.ts';

/**
 * What the resident is told when the status check finds their signature certificate revoked (design.md
 * §3.7): one push to their own device and, where the address is verified, a mail, Japanese first and
 * English below. Neither carries any of the four basic items: only what happened and what to do.
 */
export const REASONS = {
  basic_items_changed: {
    ja: '氏名・住所などの基本4情報が変更されたため',
    en: 'your name, address or other basic information changed',
  },
  certificate_renewed: {
    ja: '署名用電子証明書が更新されたため',
    en: 'your signature certificate was renewed',
  },
  key_compromise: {
    ja: '署名用電子証明書の鍵が危殆化した（カードの紛失など）ため',
    en: 'the key of your signature certificate may be compromised (for example, a lost card)',
  },
  certificate_discontinued: {
    ja: '署名用電子証明書が廃止されたため',
    en: 'your signature certificate was discontinued',
  },
  certificate_suspended: {
    ja: '署名用電子証明書が一時停止されたため',
    en: 'your signature certificate was suspended',
  },
  certificate_revoked: {
    ja: '署名用電子証明書が失効したため',
    en: 'your signature certificate was revoked',
  },
} as const;

export type ReverificationReason = keyof typeof REASONS;

/** design.md §3.7: the CRL entry's reasonCode to the reason the API shows. */
export function reasonOf(reasonCode: number | undefined): ReverificationReason {
  switch (reasonCode) {
    case 3:
      return 'basic_items_changed';
    case 4:
      return 'certificate_renewed';
    case 1:
      return 'key_compromise';
    case 5:
      return 'certificate_discontinued';
    case 6:
      return 'certificate_suspended';
    default:
      return 'certificate_revoked';
  }
}

export const SUBJECT = '【xID】登録情報の更新のお願い / Please update your registration';

/** The push to the resident's device (SNS per-platform JSON): what happened and where to go, no personal data. */
export function reverificationPush(reason: ReverificationReason): string {
  const title = cut('xID: 登録情報の更新が必要です', TITLE_MAX);
  const body = cut(
    'マイナンバーカードの署名用電子証明書が失効しました。アプリで登録情報を更新してください。 / Your signature certificate is no longer valid: update your registration in the app.',
    BODY_MAX,
  );
  const data = { type: 'reverification_required', reason };
  const apns = JSON.stringify({
    aps: { alert: { title, body }, sound: 'default', 'thread-id': 'account' },
    ...data,
  });
  const gcm = JSON.stringify({
    notification: { title, body },
    data: { ...data, deepLink: 'xid://me/reverification' },
    android: { priority: 'high' },
  });
  return snsPushMessage(`${title}\n${body}`, apns, gcm);
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/** The mail: what happened, why (the reason only), and how to update the registration. */
export function reverificationMail(reason: ReverificationReason): {
  subject: string;
  text: string;
  html: string;
} {
  const why = REASONS[reason];
  const ja = [
    'xIDをご利用いただきありがとうございます。',
    `${why.ja}、xIDに登録されているマイナンバーカードの署名用電子証明書が有効ではなくなりました。`,
    'xIDアプリを開き、現在お持ちのマイナンバーカード（新しい署名用電子証明書）を読み取って、登録情報を更新してください。',
    'それまでの間も、ログインと自治体からのお知らせはご利用いただけます。',
  ];
  const en = [
    'Thank you for using xID.',
    `The signature certificate of the My Number card registered with xID is no longer valid: ${why.en}.`,
    'Open the xID app and read your current My Number card (with its new signature certificate) to update your registration.',
    'Until then you can still sign in and receive notices from your municipality.',
  ];
  const text = [...ja, '', '----', '', ...en].join('\n');
  const paragraphs = (lines: string[]) => lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n');
  const html = `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>${escapeHtml(SUBJECT)}</title></head>
<body style="font-family:sans-serif;line-height:1.6;color:#1a1a1a">
${paragraphs(ja)}
<hr>
<div lang="en">
${paragraphs(en)}
</div>
</body></html>`;
  return { subject: SUBJECT, text, html };
}
