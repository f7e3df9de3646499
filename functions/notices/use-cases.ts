import type { AccountRecord } from '../account/model.ts';
import { ProblemError } from '../shared/problems.ts';
import type { NoticeReceipt, StoredNotice } from './model.ts';
import { type Notice, NoticeRejectedError, parseNotice, UnknownTopicError } from './notice.ts';
import type { NoticeIngestPorts, NoticePagePorts, ResidentNoticePorts } from './ports.ts';
import { pushMessage } from './push-payload.ts';
import { rejectionReason } from './rejections.ts';
import {
  type MunicipalityNoticeListResponse,
  type MunicipalityResponse,
  type NoticeItem,
  type NoticeListResponse,
  noticeIdParameter,
  type SubscriptionResponse,
} from './schemas.ts';

/**
 * Municipality notices (design.md §3.5): what the notices function does with a published notice, and the
 * resident's side of guide step 9 — the municipality, the subscription of the device to its push topic
 * with the consents, and the list of notices (すべてのお知らせ).
 */

/**
 * A message from an ingest topic: the municipality is the topic's, the notice is checked, stored once
 * (idempotent on its id, whatever the duplicate deliveries and retries), and pushed once to the
 * municipality's push topic: one publish, whatever the number of residents. A notice stored but not yet
 * pushed (a crash between the two) is pushed on the retry. Every message gets one receipt on the
 * municipality's receipts topic (design.md §3.12): `accepted`, `duplicate` (that noticeId was pushed
 * before), or `rejected` with what to correct; a rejected notice is final (nothing is stored, nothing is
 * retried). A receipt that could not be published fails the event, and its retry answers `duplicate`.
 * Only a message from a topic that is no onboarded municipality's throws (it has no one to answer to).
 */
export async function receiveNotice(
  message: { topicArn: string; messageId: string; body: string },
  ports: NoticeIngestPorts,
): Promise<{ receipt: NoticeReceipt; pushed: boolean }> {
  const municipality = await ports.municipalityOfTopic(message.topicArn);
  if (!municipality) throw new UnknownTopicError('the topic is not an onboarded municipality ingest topic');
  const now = ports.now();
  const receiptOf = (
    fields: Pick<NoticeReceipt, 'noticeId' | 'status' | 'reason' | 'errors'>,
  ): NoticeReceipt => ({
    schema: 'xid/notice-receipt/v1',
    noticeId: fields.noticeId,
    messageId: message.messageId,
    status: fields.status,
    ...(fields.reason ? { reason: fields.reason } : {}),
    ...(fields.errors ? { errors: fields.errors } : {}),
    at: now.toISOString(),
  });
  let notice: Notice;
  try {
    notice = parseNotice(message.body, { domains: municipality.domains, now });
  } catch (error) {
    if (!(error instanceof NoticeRejectedError)) throw error;
    const receipt = receiptOf({
      noticeId: error.noticeId,
      status: 'rejected',
      reason: rejectionReason(error.rejections),
      errors: [...error.rejections],
    });
    await sendReceipt(municipality.code, receipt, ports);
    return { receipt, pushed: false };
  }
  const stored = await ports.storeOnce(municipality.code, notice, now);
  const pushed = stored !== 'pushed-earlier';
  if (pushed) {
    await ports.publishPush(municipality.code, pushMessage(notice, municipality));
    await ports.markPushed(municipality.code, notice.noticeId, now);
  }
  const receipt = pushed
    ? receiptOf({ noticeId: notice.noticeId, status: 'accepted' })
    : receiptOf({ noticeId: notice.noticeId, status: 'duplicate', reason: DUPLICATE });
  await sendReceipt(municipality.code, receipt, ports);
  return { receipt, pushed };
}

const DUPLICATE = {
  ja: 'この noticeId のお知らせは受け付け済みです。新しいお知らせには新しい noticeId を使ってください。',
  en: 'A notice with this noticeId was accepted before. Use a new noticeId for a new notice.',
};

async function sendReceipt(code: string, receipt: NoticeReceipt, ports: NoticeIngestPorts): Promise<void> {
  await ports.keepReceipt(code, receipt);
  await ports.publishReceipt(code, receipt);
}

async function accountOf(ports: ResidentNoticePorts, accountId: string): Promise<AccountRecord> {
  const account = await ports.account(accountId);
  if (!account) throw new ProblemError('unauthorized');
  return account;
}

/**
 * `GET /v1/me/municipality`: from the address on the card; for a designated city, with the ward. `notices`
 * says whether it publishes through xID, `subscribed` whether this resident's device gets its pushes (a
 * move to a municipality that does not publish ends the subscription).
 */
export async function municipality(
  accountId: string,
  ports: ResidentNoticePorts,
): Promise<MunicipalityResponse> {
  const { municipality: m } = await accountOf(ports, accountId);
  const [record, subscription] = await Promise.all([
    ports.municipalityRecord(m.code),
    ports.subscription(accountId),
  ]);
  return {
    code: m.code,
    name: m.name,
    prefecture: m.prefecture,
    ...(m.ward ? { ward: m.ward } : {}),
    notices: record !== undefined,
    subscribed: subscription?.code === m.code,
  };
}

/** `PUT /v1/me/notice-subscription`: consents recorded, the device subscribed to the municipality's push topic. */
export async function subscribe(
  accountId: string,
  input: { consents: { termsVersion: string; privacyPolicyVersion: string } },
  ports: ResidentNoticePorts,
): Promise<SubscriptionResponse> {
  const account = await accountOf(ports, accountId);
  const current = ports.currentTerms();
  if (
    input.consents.termsVersion !== current.terms.version ||
    input.consents.privacyPolicyVersion !== current.privacyPolicy.version
  ) {
    throw new ProblemError('consent_required', 'Consent to the current terms and privacy policy is required');
  }
  const { code, name } = account.municipality;
  if (!(await ports.municipalityRecord(code))) throw new ProblemError('municipality_not_onboarded');
  const device = await ports.device(accountId);
  if (!device || !(await ports.endpointEnabled(device.endpointArn)))
    throw new ProblemError('push_not_registered');
  const existing = await ports.subscription(accountId);
  const topicArn = await ports.ensurePushTopic(code);
  let subscriptionArn = existing?.subscriptionArn;
  if (!existing || existing.topicArn !== topicArn || existing.endpointArn !== device.endpointArn) {
    subscriptionArn = await ports.subscribeEndpoint(topicArn, device.endpointArn);
    if (existing) await ports.unsubscribe(existing.subscriptionArn);
  }
  const now = ports.now();
  await ports.recordSubscription(
    accountId,
    { code, topicArn, subscriptionArn: subscriptionArn as string, endpointArn: device.endpointArn },
    [
      { kind: 'noticeTerms', version: current.terms.version },
      { kind: 'noticePrivacyPolicy', version: current.privacyPolicy.version },
    ],
    now,
    existing?.code === code ? undefined : { type: 'notices_on', at: now, detail: { municipality: code } },
  );
  return { municipality: { code, name }, push: true };
}

/** `DELETE /v1/me/notice-subscription`: pushes stop; the notices stay readable. */
export async function unsubscribe(accountId: string, ports: ResidentNoticePorts): Promise<void> {
  await accountOf(ports, accountId);
  const existing = await ports.subscription(accountId);
  if (!existing) return;
  await ports.unsubscribe(existing.subscriptionArn);
  await ports.deleteSubscription(accountId, {
    type: 'notices_off',
    at: ports.now(),
    detail: { municipality: existing.code, reason: 'resident' },
  });
}

const CURSOR = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[0-9a-f-]{36}$/;
const CODE = /^\d{6}$/;

/** A page of a municipality's notices, the latest received first (ties by id), from the query's `limit` and `cursor`. */
async function noticesPage(
  code: string,
  query: { limit?: string; cursor?: string },
  ports: NoticePagePorts,
): Promise<Omit<NoticeListResponse, 'municipality'>> {
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 50) {
    throw new ProblemError('invalid_request', 'limit is 1 to 50', {
      errors: [{ pointer: '/limit', detail: 'must be 1 to 50' }],
    });
  }
  let after: string | undefined;
  if (query.cursor !== undefined) {
    after = Buffer.from(query.cursor, 'base64url').toString('utf8');
    if (!CURSOR.test(after))
      throw new ProblemError('invalid_request', 'Unknown cursor', {
        errors: [{ pointer: '/cursor', detail: 'not a cursor' }],
      });
  }
  const page = await ports.noticePage(code, limit, after);
  return {
    items: page.items.map(noticeItem),
    nextCursor: page.next ? Buffer.from(page.next, 'utf8').toString('base64url') : null,
  };
}

/** What a resident reads of a stored notice. */
const noticeItem = ({ noticeId, title, body, category, url, publishedAt }: StoredNotice): NoticeItem => ({
  noticeId,
  title,
  body,
  category,
  url,
  publishedAt,
});

/**
 * `GET /v1/me/notices/{noticeId}`: one notice of the resident's municipality, the target of a push's deep
 * link. Notices are kept per municipality, so another municipality's notice is simply not found.
 */
export async function readNotice(
  accountId: string,
  noticeId: string | undefined,
  ports: ResidentNoticePorts,
): Promise<NoticeItem> {
  const { municipality: m } = await accountOf(ports, accountId);
  const id = noticeIdParameter.safeParse(noticeId);
  const notice = id.success ? await ports.notice(m.code, id.data) : undefined;
  if (!notice) throw new ProblemError('not_found', 'No such notice');
  return noticeItem(notice);
}

/**
 * `GET /v1/me/notices?limit=&cursor=`: the resident's municipality's notices, newest first. The
 * municipality is the token's (no account read); a token without one (issued before it was a claim)
 * costs one.
 */
export async function listNotices(
  resident: { accountId: string; municipality?: { code: string; name: string } },
  query: { limit?: string; cursor?: string },
  ports: ResidentNoticePorts,
): Promise<NoticeListResponse> {
  const m = resident.municipality ?? (await accountOf(ports, resident.accountId)).municipality;
  return { municipality: { code: m.code, name: m.name }, ...(await noticesPage(m.code, query, ports)) };
}

/**
 * `GET /v1/municipalities/{code}/notices?limit=&cursor=`: the same list for anyone (notices are public),
 * so that a CDN can serve it; 404 for a code that is not six digits.
 */
export async function municipalityNotices(
  code: string | undefined,
  query: { limit?: string; cursor?: string },
  ports: NoticePagePorts,
): Promise<MunicipalityNoticeListResponse> {
  if (code === undefined || !CODE.test(code)) throw new ProblemError('not_found', 'No such municipality');
  return { municipality: { code }, ...(await noticesPage(code, query, ports)) };
}
