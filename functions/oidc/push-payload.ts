import { BODY_MAX, cut, TITLE_MAX } from '../notices/push-payload.ts';

/**
 * The push that tells a resident's app a relying party asks to sign them in: SNS's per-platform structure,
 * with the request id so that the app opens the request. Only the relying party's name is shown; nothing
 * of the resident is in it.
 */
export function approvalPush(message: { title: string; body: string; requestId: string }): string {
  const title = cut(message.title, TITLE_MAX);
  const body = cut(message.body, BODY_MAX);
  const data = { type: 'authorization_request', requestId: message.requestId };
  const apns = JSON.stringify({
    aps: { alert: { title, body }, sound: 'default', 'interruption-level': 'time-sensitive' },
    ...data,
  });
  const gcm = JSON.stringify({
    notification: { title, body },
    data: { ...data, deepLink: `xid://authorization-requests/${message.requestId}` },
    android: { priority: 'high', ttl: '300s' },
  });
  return JSON.stringify({ default: `${title}\n${body}`, APNS: apns, APNS_SANDBOX: apns, GCM: gcm });
}
