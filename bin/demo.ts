#!/usr/bin/env -S npx tsx
import { randomBytes } from 'node:crypto';
import { runCommand } from '../lib/local/commands.ts';
import { ensureLocalPki } from '../lib/local/pki.ts';
import { readRuntimeRecord } from '../lib/local/runtime.ts';
import { localStateDir } from '../lib/paths.ts';
import { issueCard } from '../test/harness/cards.ts';
import { ApiClient } from '../test/harness/phone/api.ts';
import { latestLink } from '../test/harness/phone/mailbox.ts';
import { VirtualPhone } from '../test/harness/phone/phone.ts';

/**
 * `npm run demo` (with `npm start` running): the resident's whole journey of the registration guide,
 * step by step, with the guide's example person 公的 花子: a virtual card read over APDUs, the API calls the
 * app makes, the confirmation mail from the local mailbox, and a notice from 品川区 pushed to the phone.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const record = readRuntimeRecord();
if (!record) {
  console.error('npm start is not running: start it first, then run npm run demo');
  process.exit(2);
}
const step = (n: string, text: string) => console.log(`\n[${n}] ${text}`);
const show = (value: unknown) => console.log(`    ${JSON.stringify(value)}`);

const api = new ApiClient(record.apiUrl);
const pki = await ensureLocalPki(localStateDir());
const card = await issueCard(pki, {
  name: '公的\u3000花子',
  gender: 'female',
  dateOfBirth: '1966-11-10',
  address: '東京都品川区広町2-1-10',
});
const phone = new VirtualPhone();

step('1', '利用規約・プライバシーポリシー: GET /v1/terms');
const terms = await api.getTerms();
show(terms);
step('2', 'PIN1 (1234) and PIN2 (567890): two P-256 device keys made on the phone');
await phone.setPins('1234', '567890');
step(
  '3–5',
  `カードを読み取る (署名用パスワード ${card.holder.signPin}), 基本情報の確認, 送信: POST /v1/registration/challenges, POST /v1/registrations`,
);
const registered = await phone.register(api, card.reissue(), card.holder.signPin);
show(registered);
step('6', 'IDの有効化 (PIN1, then PIN2): POST /v1/accounts/{id}/activation');
const { accessToken } = await phone.activate(api, '1234', '567890');
show({ accessToken: `${accessToken.slice(0, 24)}…` });
show(await api.me(accessToken));
step('7', 'メールアドレスの登録: PUT /v1/me/email, then the link in the mail');
const email = `hanako.${Date.now()}@example.jp`;
show(await api.setEmail(accessToken, email));
const link = await latestLink(record.mailboxUrl, email);
console.log(`    mail in ${record.mailboxUrl} → ${link.replace(/[^/]+$/, '…')}`);
console.log(
  `    page: ${(await fetch(link)).status}; emailVerified = ${(await api.me(accessToken)).emailVerified}`,
);
step('8', '通知の設定: PUT /v1/me/push');
const device = randomBytes(32).toString('hex');
show(await api.registerPush(accessToken, 'APNS_SANDBOX', device));
step('9', '自治体からのお知らせ: onboard 品川区, subscribe, publish, read');
const municipality = (...args: string[]) => runCommand('bin/municipality.ts', args);
// Idempotent: on a second demo run it changes nothing.
await municipality(
  'onboard',
  '131091',
  '--publisher',
  'arn:aws:iam::210987654321:role/shinagawa-notices',
  '--domain',
  'city.shinagawa.tokyo.jp',
);
show(await api.municipality(accessToken));
show(
  await api.subscribeNotices(accessToken, {
    termsVersion: terms.terms.version,
    privacyPolicyVersion: terms.privacyPolicy.version,
  }),
);
await municipality(
  'publish',
  '131091',
  '--title',
  '年末年始の窓口業務について',
  '--body',
  '12月29日から1月3日まで、区役所の窓口業務を休止します。',
);
const pushes = await api.localPushes(device);
const pushed = JSON.parse(pushes.at(-1)?.payload.APNS ?? '{}') as {
  aps?: { alert?: { title?: string } };
  noticeId?: string;
};
console.log(`    push received: ${pushed.aps?.alert?.title}`);
if (pushed.noticeId) {
  console.log(`    deep link xid://notices/${pushed.noticeId}: GET /v1/me/notices/{noticeId}`);
  show(await api.notice(accessToken, pushed.noticeId));
}
const notices = await api.notices(accessToken);
show(notices.items.map((n) => n.title));
console.log('\nすべてのお知らせ — the journey is complete.');
