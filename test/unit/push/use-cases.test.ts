import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DeviceRecord, SubscriptionRecord } from '#functions/push/model';
import type { PushPorts } from '#functions/push/ports';
import { disabledEndpoint, endpointDisabled, registerPush } from '#functions/push/use-cases';
import type { ProblemError } from '#functions/shared/problems';
import { memoryActivityLog } from '../activity/memory-log.ts';

/** The push device (guide step 8) and the platform's endpoint events, with every port in memory. */
const ACCOUNT = '00000000-0000-4000-8000-000000000001';
const APNS_APP = 'arn:aws:sns:ap-northeast-1:123456789012:app/APNS_SANDBOX/xid-local-apns';
const FCM_APP = 'arn:aws:sns:ap-northeast-1:123456789012:app/GCM/xid-local-fcm';
const TOKEN = 'ab'.repeat(32);

interface Fake {
  ports: PushPorts;
  device?: DeviceRecord;
  subscription?: SubscriptionRecord;
  owners: Map<string, string>;
  endpoints: Map<string, { application: string; token: string }>;
  subscribed: Set<string>;
  calls: string[];
  log: ReturnType<typeof memoryActivityLog>;
}

let fake: Fake;

beforeEach(() => {
  let n = 0;
  const f = {
    owners: new Map(),
    endpoints: new Map(),
    subscribed: new Set(),
    calls: [],
    log: memoryActivityLog(),
  } as unknown as Fake;
  f.ports = {
    accountExists: async (id) => id === ACCOUNT,
    applications: () => ({ APNS_SANDBOX: APNS_APP, GCM: FCM_APP }),
    device: async () => f.device,
    saveDevice: async (id, device, _at, activity) => {
      f.device = device;
      f.owners.set(device.endpointArn, id);
      if (activity) f.log.append(id, activity);
    },
    endpointOwner: async (arn) => f.owners.get(arn),
    subscription: async () => f.subscription,
    saveSubscription: async (_id, subscription) => {
      f.subscription = subscription;
    },
    deleteSubscription: async (id, activity) => {
      f.subscription = undefined;
      if (activity) f.log.append(id, activity);
    },
    ensureEndpoint: async (application, token, known) => {
      f.calls.push(`ensure:${known ?? 'new'}`);
      if (known && f.endpoints.has(known)) {
        f.endpoints.set(known, { application, token });
        return known;
      }
      const arn = `${application.replace(':app/', ':endpoint/')}/${++n}`;
      f.endpoints.set(arn, { application, token });
      return arn;
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

describe('PUT /v1/me/push', () => {
  it('creates an endpoint once per device and keeps only the token’s hash', async () => {
    expect(await registerPush(ACCOUNT, { platform: 'APNS_SANDBOX', token: TOKEN }, fake.ports)).toEqual({
      platform: 'APNS_SANDBOX',
      enabled: true,
    });
    const first = fake.device?.endpointArn;
    await registerPush(ACCOUNT, { platform: 'APNS_SANDBOX', token: TOKEN }, fake.ports);
    expect(fake.device?.endpointArn).toBe(first);
    expect(fake.calls).toEqual(['ensure:new', `ensure:${first}`]);
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

  it('moves a notice subscription with the device when it changes platform', async () => {
    await registerPush(ACCOUNT, { platform: 'APNS_SANDBOX', token: TOKEN }, fake.ports);
    const topic = 'arn:aws:sns:ap-northeast-1:123456789012:xid-local-push-131091';
    const old = fake.device?.endpointArn as string;
    const oldSubscription = await fake.ports.subscribeEndpoint(topic, old);
    fake.subscription = {
      code: '131091',
      topicArn: topic,
      subscriptionArn: oldSubscription,
      endpointArn: old,
    };
    await registerPush(ACCOUNT, { platform: 'FCM', token: 'f'.repeat(40) }, fake.ports);
    const now = fake.device?.endpointArn as string;
    expect(now).not.toBe(old);
    expect(fake.subscription?.endpointArn).toBe(now);
    expect(fake.subscribed.has(oldSubscription)).toBe(false);
    expect(fake.subscribed.has(fake.subscription?.subscriptionArn as string)).toBe(true);
  });

  it('answers 401 when the token’s account is gone', async () => {
    const error = await registerPush(
      '00000000-0000-4000-8000-00000000ffff',
      { platform: 'FCM', token: 'f'.repeat(40) },
      fake.ports,
    ).catch((e) => e);
    expect((error as ProblemError).code).toBe('unauthorized');
    expect(fake.device).toBeUndefined();
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
    const topic = 'arn:aws:sns:ap-northeast-1:123456789012:xid-local-push-131091';
    const subscriptionArn = await fake.ports.subscribeEndpoint(topic, endpoint);
    fake.subscription = { code: '131091', topicArn: topic, subscriptionArn, endpointArn: endpoint };

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
