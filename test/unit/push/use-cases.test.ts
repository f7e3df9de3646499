import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DeviceRecord, SubscriptionRecord } from '#functions/push/model';
import type { PushPorts } from '#functions/push/ports';
import { disabledEndpoint, endpointDisabled, registerPush, releasePush } from '#functions/push/use-cases';
import { ProblemError } from '#functions/shared/problems';
import { memoryActivityLog } from '../activity/memory-log.ts';

/**
 * The push device (guide step 8), its ownership, and the platform's endpoint events, with every port in
 * memory; SNS is played as it behaves: one endpoint per token and application, found again by the token.
 */
const ACCOUNT = '00000000-0000-4000-8000-000000000001';
const MALLORY = '00000000-0000-4000-8000-000000000002';
const APNS_APP = 'arn:aws:sns:ap-northeast-1:123456789012:app/APNS_SANDBOX/xid-local-apns';
const FCM_APP = 'arn:aws:sns:ap-northeast-1:123456789012:app/GCM/xid-local-fcm';
const TOKEN = 'ab'.repeat(32);
const TOPIC = 'arn:aws:sns:ap-northeast-1:123456789012:xid-local-push-131091';

interface Fake {
  ports: PushPorts;
  devices: Map<string, DeviceRecord>;
  subscriptions: Map<string, SubscriptionRecord>;
  /** device getter/setter for ACCOUNT, as most tests need only one resident. */
  device?: DeviceRecord;
  subscription?: SubscriptionRecord;
  owners: Map<string, string>;
  /** SNS endpoints by ARN: application, token, enabled. */
  endpoints: Map<string, { application: string; token: string; enabled: boolean }>;
  subscribed: Set<string>;
  calls: string[];
  log: ReturnType<typeof memoryActivityLog>;
}

let fake: Fake;

beforeEach(() => {
  let n = 0;
  const f = {
    devices: new Map(),
    subscriptions: new Map(),
    owners: new Map(),
    endpoints: new Map(),
    subscribed: new Set(),
    calls: [],
    log: memoryActivityLog(),
  } as unknown as Fake;
  Object.defineProperty(f, 'device', {
    get: () => f.devices.get(ACCOUNT),
    set: (value?: DeviceRecord) => (value ? f.devices.set(ACCOUNT, value) : f.devices.delete(ACCOUNT)),
  });
  Object.defineProperty(f, 'subscription', {
    get: () => f.subscriptions.get(ACCOUNT),
    set: (value?: SubscriptionRecord) =>
      value ? f.subscriptions.set(ACCOUNT, value) : f.subscriptions.delete(ACCOUNT),
  });
  f.ports = {
    accountExists: async (id) => id === ACCOUNT || id === MALLORY,
    applications: () => ({ APNS_SANDBOX: APNS_APP, GCM: FCM_APP }),
    device: async (id) => f.devices.get(id),
    saveDevice: async (id, device, _at, activity) => {
      const owner = f.owners.get(device.endpointArn);
      if (owner !== undefined && owner !== id) throw new ProblemError('push_token_in_use');
      f.devices.set(id, device);
      f.owners.set(device.endpointArn, id);
      if (activity) f.log.append(id, activity);
    },
    removeDevice: async (id, endpointArn, activity) => {
      if (f.devices.get(id)?.endpointArn !== endpointArn) return;
      f.devices.delete(id);
      f.owners.delete(endpointArn);
      f.subscriptions.delete(id);
      f.log.append(id, activity);
    },
    releaseEndpoint: async (id, endpointArn) => {
      if (f.owners.get(endpointArn) === id) f.owners.delete(endpointArn);
    },
    endpointOwner: async (arn) => f.owners.get(arn),
    subscription: async (id) => f.subscriptions.get(id),
    saveSubscription: async (id, subscription) => {
      f.subscriptions.set(id, subscription);
    },
    deleteSubscription: async (id, activity) => {
      f.subscriptions.delete(id);
      if (activity) f.log.append(id, activity);
    },
    endpointFor: async (application, token) => {
      const existing = [...f.endpoints].find(([, e]) => e.application === application && e.token === token);
      f.calls.push(existing ? 'found' : 'created');
      if (existing) return existing[0];
      const arn = `${application.replace(':app/', ':endpoint/')}/${++n}`;
      f.endpoints.set(arn, { application, token, enabled: true });
      return arn;
    },
    enableEndpoint: async (arn) => {
      const endpoint = f.endpoints.get(arn);
      if (!endpoint) return false;
      endpoint.enabled = true;
      return true;
    },
    deleteEndpoint: async (arn) => {
      f.calls.push(`delete:${arn.split('/').at(-1)}`);
      f.endpoints.delete(arn);
    },
    subscribeEndpoint: async (topic, endpoint) => {
      const arn = `${topic}:${endpoint.split('/').at(-1)}`;
      f.subscribed.add(arn);
      return arn;
    },
    unsubscribe: async (arn) => {
      f.calls.push(`unsubscribe:${arn}`);
      f.subscribed.delete(arn);
    },
    now: () => new Date('2026-11-27T03:00:00Z'),
  };
  fake = f;
});

async function subscribed(accountId: string): Promise<SubscriptionRecord> {
  const endpointArn = fake.devices.get(accountId)?.endpointArn as string;
  const subscription = {
    code: '131091',
    topicArn: TOPIC,
    subscriptionArn: await fake.ports.subscribeEndpoint(TOPIC, endpointArn),
    endpointArn,
  };
  fake.subscriptions.set(accountId, subscription);
  return subscription;
}

describe('PUT /v1/me/push', () => {
  it('creates an endpoint once per token and keeps only the token’s hash', async () => {
    expect(await registerPush(ACCOUNT, { platform: 'APNS_SANDBOX', token: TOKEN }, fake.ports)).toEqual({
      platform: 'APNS_SANDBOX',
      enabled: true,
    });
    const first = fake.device?.endpointArn;
    await registerPush(ACCOUNT, { platform: 'APNS_SANDBOX', token: TOKEN }, fake.ports);
    expect(fake.device?.endpointArn).toBe(first);
    expect(fake.calls).toEqual(['created', 'found']);
    expect(fake.log.entries(ACCOUNT)).toMatchObject([
      { type: 'push_registered', detail: { platform: 'APNS_SANDBOX' } },
    ]);
    expect(fake.device?.tokenSha256).toBe(createHash('sha256').update(TOKEN).digest('hex'));
    expect(JSON.stringify(fake.device)).not.toContain(TOKEN);
    expect(fake.owners.get(first as string)).toBe(ACCOUNT);
  });

  it('maps FCM to SNS’s GCM, and refuses a platform the stage has no application for', async () => {
    await registerPush(ACCOUNT, { platform: 'FCM', token: 'f'.repeat(40) }, fake.ports);
    expect(fake.device?.platform).toBe('GCM');
    const error = await registerPush(ACCOUNT, { platform: 'APNS', token: TOKEN }, fake.ports).catch((e) => e);
    expect((error as ProblemError).code).toBe('platform_unavailable');
  });

  it('moves the device and its notice subscription to a new token’s endpoint, and deletes the old one', async () => {
    await registerPush(ACCOUNT, { platform: 'APNS_SANDBOX', token: TOKEN }, fake.ports);
    const old = fake.device?.endpointArn as string;
    const oldSubscription = (await subscribed(ACCOUNT)).subscriptionArn;
    await registerPush(ACCOUNT, { platform: 'FCM', token: 'f'.repeat(40) }, fake.ports);
    const now = fake.device?.endpointArn as string;
    expect(now).not.toBe(old);
    expect(fake.subscription?.endpointArn).toBe(now);
    expect(fake.subscribed.has(oldSubscription)).toBe(false);
    expect(fake.subscribed.has(fake.subscription?.subscriptionArn as string)).toBe(true);
    expect(fake.endpoints.has(old)).toBe(false);
    expect(fake.owners.has(old)).toBe(false);
    expect(fake.log.types(ACCOUNT)).toEqual(['push_registered', 'push_registered']);
  });

  it('refuses another account’s device token (409 push_token_in_use), changing nothing of either', async () => {
    await registerPush(ACCOUNT, { platform: 'APNS_SANDBOX', token: TOKEN }, fake.ports);
    await subscribed(ACCOUNT);
    const mine = 'cd'.repeat(32);
    await registerPush(MALLORY, { platform: 'APNS_SANDBOX', token: mine }, fake.ports);
    const before = structuredClone({
      endpoints: [...fake.endpoints],
      owners: [...fake.owners],
      devices: [...fake.devices],
      subscriptions: [...fake.subscriptions],
      subscribed: [...fake.subscribed],
    });
    const error = await registerPush(MALLORY, { platform: 'APNS_SANDBOX', token: TOKEN }, fake.ports).catch(
      (e) => e,
    );
    expect((error as ProblemError).code).toBe('push_token_in_use');
    expect({
      endpoints: [...fake.endpoints],
      owners: [...fake.owners],
      devices: [...fake.devices],
      subscriptions: [...fake.subscriptions],
      subscribed: [...fake.subscribed],
    }).toEqual(before);
    expect(fake.log.types(MALLORY)).toEqual(['push_registered']);
  });

  it('hands the token to another account once its holder released it (DELETE /v1/me/push)', async () => {
    await registerPush(ACCOUNT, { platform: 'APNS_SANDBOX', token: TOKEN }, fake.ports);
    const { subscriptionArn } = await subscribed(ACCOUNT);
    await releasePush(ACCOUNT, fake.ports);
    expect(fake.device).toBeUndefined();
    expect(fake.subscription).toBeUndefined();
    expect(fake.subscribed.has(subscriptionArn)).toBe(false);
    expect(fake.endpoints.size).toBe(0);
    expect(fake.log.entries(ACCOUNT).at(-1)).toMatchObject({
      type: 'push_removed',
      detail: { reason: 'resident', municipality: '131091' },
    });
    await registerPush(MALLORY, { platform: 'APNS_SANDBOX', token: TOKEN }, fake.ports);
    expect(fake.owners.get(fake.devices.get(MALLORY)?.endpointArn as string)).toBe(MALLORY);
    await releasePush(ACCOUNT, fake.ports);
    expect(fake.log.types(ACCOUNT)).toEqual(['push_registered', 'push_removed']);
  });

  it('answers 401 when the token’s account is gone', async () => {
    const error = await registerPush(
      '00000000-0000-4000-8000-00000000ffff',
      { platform: 'FCM', token: 'f'.repeat(40) },
      fake.ports,
    ).catch((e) => e);
    expect((error as ProblemError).code).toBe('unauthorized');
    expect(fake.devices.size).toBe(0);
  });
});

describe('push endpoint events', () => {
  const arn = 'arn:aws:sns:ap-northeast-1:123456789012:endpoint/APNS/xid-dev-apns/1';

  it('report an endpoint disabled, deleted or failing, and nothing else', () => {
    expect(
      disabledEndpoint({
        EventType: 'EndpointUpdated',
        EndpointArn: arn,
        EndpointAttributes: { Enabled: 'false' },
      }),
    ).toBe(arn);
    expect(disabledEndpoint({ EventType: 'EndpointDeleted', EndpointArn: arn })).toBe(arn);
    expect(disabledEndpoint({ EventType: 'DeliveryFailure', EndpointArn: arn })).toBe(arn);
    expect(
      disabledEndpoint({
        EventType: 'EndpointUpdated',
        EndpointArn: arn,
        EndpointAttributes: { Enabled: 'true' },
      }),
    ).toBeUndefined();
    expect(disabledEndpoint('garbage')).toBeUndefined();
  });

  it('record the device disabled and take it off the push topic; stale and unknown endpoints change nothing', async () => {
    await registerPush(ACCOUNT, { platform: 'APNS_SANDBOX', token: TOKEN }, fake.ports);
    const endpoint = fake.device?.endpointArn as string;
    await subscribed(ACCOUNT);

    expect(await endpointDisabled('arn:aws:sns:ap-northeast-1:123456789012:endpoint/x/y/z', fake.ports)).toBe(
      'unknown-endpoint',
    );
    fake.owners.set('arn:old', ACCOUNT);
    expect(await endpointDisabled('arn:old', fake.ports)).toBe('stale');
    expect(fake.device?.enabled).toBe(true);

    expect(await endpointDisabled(endpoint, fake.ports)).toBe('disabled');
    expect(fake.device?.enabled).toBe(false);
    expect(fake.subscription).toBeUndefined();
    expect(fake.subscribed.size).toBe(0);
  });
});
