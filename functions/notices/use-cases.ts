import type { AccountRecord } from '../account/model.ts';
import { ProblemError } from '../shared/problems.ts';
import type { StoredNotice } from './model.ts';
import { NoticeRejectedError, parseNotice } from './notice.ts';
import type { NoticeIngestPorts, ResidentNoticePorts } from './ports.ts';
import { pushMessage } from './push-payload.ts';
import {
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

export type Outcome = 'pushed' | 'duplicate';

/**
 * A message from an ingest topic: the municipality is the topic's, the notice is checked, stored once
 * (idempotent on its id, whatever the duplicate deliveries and retries), and pushed once to the
 * municipality's push topic: one publish, whatever the number of residents. A notice stored but not yet
 * pushed (a crash between the two) is pushed on the retry.
 */
export async function receiveNotice(
  topicArn: string,
  message: string,
  ports: NoticeIngestPorts,
): Promise<Outcome> {
  const municipality = await ports.municipalityOfTopic(topicArn);
  if (!municipality) throw new NoticeRejectedError('the topic is not an onboarded municipality ingest topic');
  const notice = parseNotice(message);
  const now = ports.now();
  const stored = await ports.storeOnce(municipality.code, notice, now);
  if (stored === 'pushed-earlier') return 'duplicate';
  await ports.publishPush(municipality.code, pushMessage(notice, municipality));
  await ports.markPushed(municipality.code, notice.noticeId, now);
  return 'pushed';
}

async function accountOf(ports: ResidentNoticePorts, accountId: string): Promise<AccountRecord> {
  const account = await ports.account(accountId);
  if (!account) throw new ProblemError('unauthorized');
  return account;
}

/** `GET /v1/me/municipality`: from the address on the card; for a designated city, with the ward. */
export async function municipality(
  accountId: string,
  ports: ResidentNoticePorts,
): Promise<MunicipalityResponse> {
  const { municipality: m } = await accountOf(ports, accountId);
  const onboarded = (await ports.municipalityRecord(m.code)) !== undefined;
  return {
    code: m.code,
    name: m.name,
    prefecture: m.prefecture,
    ...(m.ward ? { ward: m.ward } : {}),
    notices: onboarded,
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

/** `GET /v1/me/notices?limit=&cursor=`: the municipality's notices, newest first. */
export async function listNotices(
  accountId: string,
  query: { limit?: string; cursor?: string },
  ports: ResidentNoticePorts,
): Promise<NoticeListResponse> {
  const { municipality: m } = await accountOf(ports, accountId);
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
  const page = await ports.noticePage(m.code, limit, after);
  return {
    municipality: { code: m.code, name: m.name },
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
