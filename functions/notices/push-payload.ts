import type { Notice } from './notice.ts';
import type { ApnsPayload, FcmPayload, PushTopicMessage } from './schemas.ts';

/**
 * The one push message for a notice, in SNS's per-platform structure (`MessageStructure: json`). Title and
 * body are cut to what a notification shows (and well inside the 4 KB payload limit of APNs and FCM); the
 * notice id and municipality code let the app open the notice (deep link).
 */
export const TITLE_MAX = 60;
export const BODY_MAX = 160;
export const PAYLOAD_MAX_BYTES = 4096;

/** Cuts by user-perceived characters, never inside a surrogate pair or a combining sequence. */
export function cut(text: string, max: number): string {
  const graphemes = [
    ...new Intl.Segmenter('ja', { granularity: 'grapheme' }).segment(text.replace(/\s+/g, ' ').trim()),
  ].map((s) => s.segment);
  return graphemes.length <= max ? graphemes.join('') : `${graphemes.slice(0, max - 1).join('')}…`;
}

export function pushMessage(notice: Notice, municipality: { code: string; name: string }): string {
  const title = cut(`${municipality.name}: ${notice.title}`, TITLE_MAX);
  const body = cut(notice.body, BODY_MAX);
  const data = { noticeId: notice.noticeId, municipality: municipality.code, category: notice.category };
  const apns = JSON.stringify({
    aps: { alert: { title, body }, sound: 'default', 'thread-id': `notices-${municipality.code}` },
    ...data,
  } satisfies ApnsPayload);
  const gcm = JSON.stringify({
    notification: { title, body },
    data: { ...data, deepLink: `xid://notices/${notice.noticeId}` },
    android: { priority: 'normal' },
  } satisfies FcmPayload);
  return snsPushMessage(`${title}\n${body}`, apns, gcm);
}

/**
 * The SNS per-platform structure of one push (`MessageStructure: json`) from its APNs and FCM payloads,
 * each checked against the platforms' 4 KB limit. Notices and the status check's device push share it.
 */
export function snsPushMessage(text: string, apns: string, gcm: string): string {
  for (const payload of [apns, gcm]) {
    if (Buffer.byteLength(payload) > PAYLOAD_MAX_BYTES)
      throw new Error('push payload over the platform limit');
  }
  // `http` reaches HTTP subscribers only: in AWS there are none; locally it is the push gateway's copy.
  return JSON.stringify({
    default: text,
    APNS: apns,
    APNS_SANDBOX: apns,
    GCM: gcm,
    http: JSON.stringify({ APNS: apns, GCM: gcm }),
  } satisfies PushTopicMessage);
}
