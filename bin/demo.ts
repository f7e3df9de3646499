#!/usr/bin/env -S npx tsx
import { randomBytes } from 'node:crypto';
import { runCommand } from '../lib/local/commands.ts';
import { ensureLocalPki } from '../lib/local/pki.ts';
import { readRuntimeRecord } from '../lib/local/runtime.ts';
import { localStateDir } from '../lib/paths.ts';
import { issueCard, issueSuccessorCard } from '../test/harness/cards.ts';
import { ApiClient, ApiError } from '../test/harness/phone/api.ts';
import { latestLink, mailsTo } from '../test/harness/phone/mailbox.ts';
import { VirtualPhone } from '../test/harness/phone/phone.ts';
import { addLinks, linkOf } from '../test/harness/pki/linkage.ts';

/**
 * `npm run demo` (with `npm start` running): the resident's whole journey of the registration guide,
 * step by step, with the guide's example person 公的 花子: a virtual card read over APDUs, the API calls the
 * app makes, the confirmation mail from the local mailbox, and a notice from 品川区 pushed to the phone.
 * With `--move`, the chapter 引っ越し follows: she moves to 横浜市鶴見区, re-verifies with the re-issued card,
 * and gets 横浜市's notices.
 * Optional chapters follow the journey: `--new-phone` (機種変更: the same card moves the ID to a new phone,
 * the old one is signed out and gets no more pushes) and `--leave` (退会: PIN2 deletes the account, its
 * tokens stop, and the same card may register again).
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const record = readRuntimeRecord();
if (!record) {
  console.error('npm start is not running: start it first, then run npm run demo');
  process.exit(2);
}
const step = (n: string, text: string) => console.log(`\n[${n}] ${text}`);
const show = (value: unknown) => console.log(`    ${JSON.stringify(value)}`);

/** What an app does after a 503: wait as `Retry-After` says, then send the request again (a few times). */
async function retrying<T>(send: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 503 || attempt >= attempts) throw error;
      const seconds = error.retryAfterSeconds ?? 2;
      console.log(`    ${error.status} ${error.code}: again in ${seconds} s, as the app does`);
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    }
  }
}

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
/** The municipality publishes a notice; the phone shows the push it received and the inbox. */
async function publishAndRead(code: string, title: string, body: string) {
  await municipality('publish', code, '--title', title, '--body', body);
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
  show((await api.notices(accessToken)).items.map((n) => n.title));
}
await publishAndRead(
  '131091',
  '年末年始の窓口業務について',
  '12月29日から1月3日まで、区役所の窓口業務を休止します。',
);
console.log('\nすべてのお知らせ — the journey is complete.');

if (process.argv.includes('--move')) {
  step('10', '引っ越し: 花子 moves from 品川区 to 横浜市鶴見区');
  const moved = await issueSuccessorCard(pki, card, {
    address: '神奈川県横浜市鶴見区鶴見中央3-20-1',
    locality: ['Kanagawa', 'Yokohama-shi'],
  });
  console.log(
    `    横浜市鶴見区 writes a new signature certificate on her card (serial ${moved.signature.serial}); J-LIS revokes the old one (${moved.revocation.serial}, affiliationChanged)`,
  );
  // J-LIS's next partition CRLs: the old certificate revoked in its municipality's, and one for 横浜市.
  await pki.publishCrl(card.holder.locality, [moved.revocation]);
  await pki.publishCrl(moved.holder.locality);
  addLinks(pki.linkageFile, [linkOf(pki.signCa, moved.revocation.serial, moved.signature.serial)]);
  console.log(`    the platform operator delivers the link old → new (${pki.linkageFile})`);
  if (!(await municipality('list')).includes('141003')) {
    await municipality('onboard', '141003', '--publisher', 'arn:aws:iam::210987654321:role/yokohama-notices');
  }
  step(
    '11',
    '基本情報の再確認: POST /v1/me/challenges, the new card (署名用パスワード), PIN2, POST /v1/me/reverification',
  );
  // The new partition CRL may not be read yet: the server says when to try again (Retry-After).
  show(await retrying(() => phone.reverify(api, moved.reissue(), moved.holder.signPin, '567890')));
  const after = await api.me(accessToken);
  show({ name: after.name, address: after.address, municipality: after.municipality });
  show(await api.municipality(accessToken));
  step('12', '横浜市からのお知らせ: publish, push, すべてのお知らせ');
  await publishAndRead('141003', '粗大ごみの収集日について', '鶴見区の粗大ごみ収集日をお知らせします。');
  console.log('\n引っ越し — 花子 now gets 横浜市の お知らせ.');
}

/** The phone the ID lives on, for the chapters that follow. */
let current = { phone, token: accessToken, device };

if (process.argv.includes('--new-phone')) {
  step('機種変更 1', '新しいスマートフォン: PIN1 and PIN2 again, two new device keys on the new phone');
  const newPhone = new VirtualPhone();
  await newPhone.setPins('1234', '567890');
  step(
    '機種変更 2',
    `カードを読み取る (署名用パスワード ${card.holder.signPin}): POST /v1/registration/challenges, POST /v1/recoveries`,
  );
  show(await newPhone.recover(api, card.reissue(), card.holder.signPin));
  const oldAnswer = await api.me(accessToken).then(
    () => 'still works',
    (error: { status?: number; code?: string }) => `${error.status} ${error.code}`,
  );
  console.log(`    the old phone's token: ${oldAnswer}`);
  const told = await mailsTo(record.mailboxUrl, email);
  console.log(`    mail to ${email.replace(/^[^@]+/, '…')}: ${told.at(-1)?.subject}`);
  step('機種変更 3', 'IDの有効化 on the new phone, its push token, お知らせ on again');
  const renewed = (await newPhone.activate(api, '1234', '567890')).accessToken;
  const newDevice = randomBytes(32).toString('hex');
  await api.registerPush(renewed, 'APNS_SANDBOX', newDevice);
  await newPhone.turnNoticesOn(api);
  await municipality(
    'publish',
    '131091',
    '--title',
    '粗大ごみの収集日について',
    '--body',
    '収集日が変わります。',
  );
  const pushedTo = async (token: string) =>
    (await api.localPushes(token)).map((p) => JSON.parse(p.payload.APNS).aps?.alert?.title as string);
  console.log(`    new phone received: ${(await pushedTo(newDevice)).join(' / ')}`);
  console.log(`    old phone received: ${(await pushedTo(device)).join(' / ')}`);
  step('機種変更 4', '利用履歴: GET /v1/me/activity, the hash chain checked on the phone');
  const { entries, verified } = await newPhone.activityLog(api);
  show(entries.map((entry) => `${entry.seq} ${entry.type}`));
  console.log(`    chain verified against GET /v1/me's {seq, hash}: ${verified}`);
  console.log('\n機種変更 — the ID lives on the new phone.');
  current = { phone: newPhone, token: renewed, device: newDevice };
}

if (process.argv.includes('--leave')) {
  step('退会 1', 'PIN2 confirms: POST /v1/me/challenges, a sign proof, DELETE /v1/me');
  await current.phone.leave(api, '567890');
  console.log('    204: the account is deleted');
  const refused = await api.me(current.token).then(
    () => 'still works',
    (error: { status?: number; code?: string }) => `${error.status} ${error.code}`,
  );
  console.log(`    the phone's token: ${refused}`);
  await municipality('publish', '131091', '--title', '退会の後のお知らせ', '--body', '届かないはずです。');
  const after = (await api.localPushes(current.device)).map(
    (p) => JSON.parse(p.payload.APNS).aps?.alert?.title as string,
  );
  console.log(`    pushes after leaving: ${after.filter((title) => title.includes('退会の後')).length}`);
  step('退会 2', 'the same card again: a new registration, a new account');
  const again = new VirtualPhone();
  await again.setPins('1234', '567890');
  const fresh = await again.register(api, card.reissue(), card.holder.signPin);
  console.log(
    `    a new account: ${fresh.accountId === current.phone.account?.accountId ? 'no' : 'yes'} (${fresh.status})`,
  );
  console.log('\n退会 — nothing of 花子 is left but a tombstone that refuses her old tokens.');
}
