import { createHash } from 'node:crypto';
import type { PushPlatform } from '../shared/names.ts';
import { ProblemError } from '../shared/problems.ts';
import type { DeviceRecord } from './model.ts';
import type { EndpointEventPorts, PushPorts, PushReleasePorts } from './ports.ts';
import { type PushBody, type PushResponse, platformEvent } from './schemas.ts';

/**
 * The resident's push device (guide step 8, 通知の設定): one SNS platform endpoint per device, and what
 * happens when the platform reports that an endpoint no longer delivers.
 */

/**
 * `PUT /v1/me/push`: the device's endpoint, found by its token (SNS keeps one per token), is the account's
 * if no other account holds it. A device token belongs to at most one account: while another account holds
 * it, the answer is 409 `push_token_in_use` and nothing changes (that account releases it with
 * `DELETE /v1/me/push`, a recovery, or by leaving). An endpoint is never pointed at another token, so no
 * request of one account can redirect another account's pushes. Idempotent per token; a new token moves
 * the device (and its notice subscription) to the token's endpoint and deletes the old one.
 */
export async function registerPush(
  accountId: string,
  input: PushBody,
  ports: PushPorts,
): Promise<PushResponse> {
  if (!(await ports.accountExists(accountId))) throw new ProblemError('unauthorized');
  const platform: PushPlatform = input.platform === 'FCM' ? 'GCM' : input.platform;
  const application = ports.applications()[platform];
  if (!application) throw new ProblemError('platform_unavailable');
  let endpointArn = await ports.endpointFor(application, input.token);
  // Deleted between the two calls (its previous holder released it): the token gets a new one.
  if (!(await ports.enableEndpoint(endpointArn)))
    endpointArn = await ports.endpointFor(application, input.token);
  const owner = await ports.endpointOwner(endpointArn);
  if (owner !== undefined && owner !== accountId) throw new ProblemError('push_token_in_use');
  const known = await ports.device(accountId);
  const device: DeviceRecord = {
    platform,
    endpointArn,
    tokenSha256: createHash('sha256').update(input.token).digest('hex'),
    enabled: true,
  };
  const changed =
    known?.endpointArn !== device.endpointArn || known.tokenSha256 !== device.tokenSha256 || !known.enabled;
  const now = ports.now();
  await ports.saveDevice(
    accountId,
    device,
    now,
    changed ? { type: 'push_registered', at: now, detail: { platform: input.platform } } : undefined,
  );
  const subscription = await ports.subscription(accountId);
  if (subscription && subscription.endpointArn !== endpointArn) {
    // The device moved to another endpoint (a new token, another platform): move the subscription with it.
    const subscriptionArn = await ports.subscribeEndpoint(subscription.topicArn, endpointArn);
    await ports.unsubscribe(subscription.subscriptionArn);
    await ports.saveSubscription(accountId, { ...subscription, subscriptionArn, endpointArn });
  }
  if (known && known.endpointArn !== endpointArn) {
    await ports.deleteEndpoint(known.endpointArn);
    await ports.releaseEndpoint(accountId, known.endpointArn);
  }
  return { platform: input.platform, enabled: true };
}

/**
 * `DELETE /v1/me/push`: the app signs out on this phone, or hands it to another account: the endpoint is
 * deleted, its notice subscription ends, and the device token is free for another account.
 */
export async function releasePush(accountId: string, ports: PushReleasePorts): Promise<void> {
  const device = await ports.device(accountId);
  if (!device) return;
  const subscription = await ports.subscription(accountId);
  if (subscription) await ports.unsubscribe(subscription.subscriptionArn);
  await ports.deleteEndpoint(device.endpointArn);
  await ports.removeDevice(accountId, device.endpointArn, {
    type: 'push_removed',
    at: ports.now(),
    detail: { reason: 'resident', ...(subscription ? { municipality: subscription.code } : {}) },
  });
}

/** The endpoint an endpoint event reports as no longer deliverable, if any. */
export function disabledEndpoint(message: unknown): string | undefined {
  const parsed = platformEvent.safeParse(message);
  if (!parsed.success) return undefined;
  const { EventType, EndpointArn, EndpointAttributes } = parsed.data;
  if (EventType === 'EndpointDeleted' || EventType === 'DeliveryFailure') return EndpointArn;
  if (EventType === 'EndpointUpdated' && EndpointAttributes?.Enabled === 'false') return EndpointArn;
  return undefined;
}

/**
 * SNS reported that an endpoint was disabled or deleted (the store refused its token): record it on the
 * device and take the endpoint off the push topic, so that no publish keeps going to it. The resident's
 * next `PUT /v1/me/push` makes it work again; subscribing again is then the app's move.
 */
export async function endpointDisabled(endpointArn: string, ports: EndpointEventPorts) {
  const accountId = await ports.endpointOwner(endpointArn);
  if (!accountId) return 'unknown-endpoint' as const;
  const device = await ports.device(accountId);
  if (!device || device.endpointArn !== endpointArn) return 'stale' as const;
  const subscription = await ports.subscription(accountId);
  if (subscription?.endpointArn === endpointArn) {
    await ports.unsubscribe(subscription.subscriptionArn);
    const at = ports.now();
    await ports.deleteSubscription(accountId, {
      type: 'notices_off',
      at,
      detail: { municipality: subscription.code, reason: 'device_unreachable' },
    });
  }
  await ports.saveDevice(accountId, { ...device, enabled: false }, ports.now());
  return 'disabled' as const;
}
