import { createHash } from 'node:crypto';
import type { StoredAccount } from '../adapters/account-store.ts';
import type { DeviceRecord, DeviceStore } from '../adapters/device-store.ts';
import type { NoticeStore } from '../adapters/notice-store.ts';
import type { PushPlatform } from '../adapters/push.ts';
import { Failure } from '../shared/problems.ts';

/**
 * The resident's side of notices (guide steps 8–9): the push device, the subscription to the
 * municipality's push topic with its consents, and the list of notices (すべてのお知らせ).
 */
export interface ResidentNoticePorts {
  devices: DeviceStore;
  account(accountId: string): Promise<StoredAccount | undefined>;
  applications(): Partial<Record<PushPlatform, string>>;
  ensureEndpoint(applicationArn: string, token: string, known?: string): Promise<string>;
  endpointEnabled(endpointArn: string): Promise<boolean>;
  ensurePushTopic(code: string): Promise<string>;
  subscribe(topicArn: string, endpointArn: string): Promise<string>;
  unsubscribe(subscriptionArn: string): Promise<void>;
  currentTerms(): { terms: { version: string }; privacyPolicy: { version: string } };
  notices: NoticeStore;
  now(): Date;
}

async function accountOf(ports: ResidentNoticePorts, accountId: string): Promise<StoredAccount> {
  const account = await ports.account(accountId);
  if (!account) throw new Failure('unauthorized');
  return account;
}

/** `PUT /v1/me/push`: one endpoint per device, idempotent per token; a new or re-enabled token updates it. */
export async function registerPush(
  accountId: string,
  input: { platform: 'APNS' | 'APNS_SANDBOX' | 'FCM'; token: string },
  ports: ResidentNoticePorts,
) {
  await accountOf(ports, accountId);
  const platform: PushPlatform = input.platform === 'FCM' ? 'GCM' : input.platform;
  const application = ports.applications()[platform];
  if (!application) throw new Failure('platform_unavailable');
  const known = await ports.devices.device(accountId);
  const endpointArn = await ports.ensureEndpoint(
    application,
    input.token,
    known?.platform === platform ? known.endpointArn : undefined,
  );
  const device: DeviceRecord = {
    platform,
    endpointArn,
    tokenSha256: createHash('sha256').update(input.token).digest('hex'),
    enabled: true,
  };
  await ports.devices.saveDevice(accountId, device, ports.now());
  const subscription = await ports.devices.subscription(accountId);
  if (subscription && subscription.endpointArn !== endpointArn) {
    // The device moved to another endpoint (another platform): move the subscription with it.
    const subscriptionArn = await ports.subscribe(subscription.topicArn, endpointArn);
    await ports.unsubscribe(subscription.subscriptionArn);
    await ports.devices.saveSubscription(accountId, { ...subscription, subscriptionArn, endpointArn });
  }
  return { platform: input.platform, enabled: true };
}

/** `GET /v1/me/municipality`: from the address on the card; for a designated city, with the ward. */
export async function municipality(accountId: string, ports: ResidentNoticePorts) {
  const { municipality: m } = await accountOf(ports, accountId);
  const onboarded = (await ports.notices.municipality(m.code)) !== undefined;
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
) {
  const account = await accountOf(ports, accountId);
  const current = ports.currentTerms();
  if (
    input.consents.termsVersion !== current.terms.version ||
    input.consents.privacyPolicyVersion !== current.privacyPolicy.version
  ) {
    throw new Failure('consent_required', 'Consent to the current terms and privacy policy is required');
  }
  const { code, name } = account.municipality;
  if (!(await ports.notices.municipality(code))) throw new Failure('municipality_not_onboarded');
  const device = await ports.devices.device(accountId);
  if (!device || !(await ports.endpointEnabled(device.endpointArn))) throw new Failure('push_not_registered');
  const existing = await ports.devices.subscription(accountId);
  const topicArn = await ports.ensurePushTopic(code);
  let subscriptionArn = existing?.subscriptionArn;
  if (!existing || existing.topicArn !== topicArn || existing.endpointArn !== device.endpointArn) {
    subscriptionArn = await ports.subscribe(topicArn, device.endpointArn);
    if (existing) await ports.unsubscribe(existing.subscriptionArn);
  }
  await ports.devices.subscribe(
    accountId,
    { code, topicArn, subscriptionArn: subscriptionArn as string, endpointArn: device.endpointArn },
    [
      { kind: 'noticeTerms', version: current.terms.version },
      { kind: 'noticePrivacyPolicy', version: current.privacyPolicy.version },
    ],
    ports.now(),
  );
  return { municipality: { code, name }, push: true };
}

/** `DELETE /v1/me/notice-subscription`: pushes stop; the notices stay readable. */
export async function unsubscribe(accountId: string, ports: ResidentNoticePorts): Promise<void> {
  await accountOf(ports, accountId);
  const existing = await ports.devices.subscription(accountId);
  if (!existing) return;
  await ports.unsubscribe(existing.subscriptionArn);
  await ports.devices.deleteSubscription(accountId);
}

const CURSOR = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[0-9a-f-]{36}$/;

/** `GET /v1/me/notices?limit=&cursor=`: the municipality's notices, newest first. */
export async function listNotices(
  accountId: string,
  query: { limit?: string; cursor?: string },
  ports: ResidentNoticePorts,
) {
  const { municipality: m } = await accountOf(ports, accountId);
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 50) {
    throw new Failure('invalid_request', 'limit is 1 to 50', {
      errors: [{ pointer: '/limit', detail: 'must be 1 to 50' }],
    });
  }
  let after: string | undefined;
  if (query.cursor !== undefined) {
    after = Buffer.from(query.cursor, 'base64url').toString('utf8');
    if (!CURSOR.test(after))
      throw new Failure('invalid_request', 'Unknown cursor', {
        errors: [{ pointer: '/cursor', detail: 'not a cursor' }],
      });
  }
  const page = await ports.notices.page(m.code, limit, after);
  return {
    municipality: { code: m.code, name: m.name },
    items: page.items.map(({ noticeId, title, body, category, url, publishedAt }) => ({
      noticeId,
      title,
      body,
      category,
      url,
      publishedAt,
    })),
    nextCursor: page.next ? Buffer.from(page.next, 'utf8').toString('base64url') : null,
  };
}

/**
 * SNS reported that an endpoint was disabled or deleted (the store refused its token): record it on the
 * device and take the endpoint off the push topic, so that no publish keeps going to it. The resident's
 * next `PUT /v1/me/push` makes it work again; subscribing again is then the app's move.
 */
export async function endpointDisabled(
  endpointArn: string,
  ports: Pick<ResidentNoticePorts, 'devices' | 'unsubscribe' | 'now'>,
) {
  const accountId = await ports.devices.endpointOwner(endpointArn);
  if (!accountId) return 'unknown-endpoint' as const;
  const device = await ports.devices.device(accountId);
  if (!device || device.endpointArn !== endpointArn) return 'stale' as const;
  const subscription = await ports.devices.subscription(accountId);
  if (subscription?.endpointArn === endpointArn) {
    await ports.unsubscribe(subscription.subscriptionArn);
    await ports.devices.deleteSubscription(accountId);
  }
  await ports.devices.saveDevice(accountId, { ...device, enabled: false }, ports.now());
  return 'disabled' as const;
}
