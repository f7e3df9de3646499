import * as z from 'zod';
import { municipalityCode, municipalityRef } from '../shared/schemas.ts';

/** `PUT /v1/me/notice-subscription` (guide: 自治体からのお知らせの設定). */
export const subscriptionBody = z.strictObject({
  push: z.literal(true),
  consents: z.strictObject({
    termsVersion: z.string().min(1).max(40),
    privacyPolicyVersion: z.string().min(1).max(40),
  }),
});

/**
 * A municipality's notice as published to its ingest topic (design.md §3.5). Everything about it is
 * checked here; nothing in it decides *which* municipality it is from: that comes from the topic.
 */
export const NOTICE_CATEGORIES = [
  'disaster',
  'health',
  'welfare',
  'administration',
  'event',
  'other',
] as const;

/**
 * Characters a notice may not carry in any text: controls (but the line feed of a body), format characters
 * (Unicode Cf: bidirectional overrides such as U+202E that make a link or a sum read backwards, zero-width
 * characters that hide text), private-use characters (Co: no two phones show the same glyph) and lone
 * surrogates (Cs: not text at all).
 */
const FORBIDDEN: [RegExp, string][] = [
  [/[^\P{Cc}\n]/u, 'control characters are not allowed'],
  [/\p{Cf}/u, 'Unicode format characters (category Cf, e.g. U+202E, U+200B) are not allowed'],
  [/\p{Co}/u, 'private-use characters (Unicode category Co) are not allowed'],
  [/\p{Cs}/u, 'lone surrogates are not allowed'],
];
const NO_LINE_BREAK: [RegExp, string] = [/\n/u, 'line breaks are not allowed'];

/** The Japanese of each character check's message, for the receipts (rejections.ts). */
export const CHARACTER_CHECKS_JA: Readonly<Record<string, string>> = {
  [NO_LINE_BREAK[1]]: '改行は使えません。',
  'control characters are not allowed': '制御文字は使えません。',
  'Unicode format characters (category Cf, e.g. U+202E, U+200B) are not allowed':
    '書式制御文字(Unicode の Cf: U+202E や U+200B など)は使えません。',
  'private-use characters (Unicode category Co) are not allowed':
    '私用領域の文字(Unicode の Co)は使えません。',
  'lone surrogates are not allowed': '対になっていないサロゲート(Unicode の Cs)は使えません。',
};

const noForbidden = (schema: z.ZodType<string>, allowLineFeed: boolean) =>
  [...(allowLineFeed ? [] : [NO_LINE_BREAK]), ...FORBIDDEN].reduce<z.ZodType<string>>(
    (checked, [pattern, message]) => checked.refine((text) => !pattern.test(text), { message }),
    schema,
  );

const plainText = (max: number) =>
  noForbidden(z.string().trim().min(1).max(max), true).refine((text) => !/<\/?[a-z][^>]*>/i.test(text), {
    message: 'plain text only, no markup',
  });

export const noticeSchema = z
  .strictObject({
    schema: z.literal('xid/notice/v1').describe('Always "xid/notice/v1".'),
    noticeId: z
      .uuid()
      .describe(
        'A UUID made new for every notice. Publishing the same noticeId again changes nothing (a `duplicate` receipt).',
      ),
    title: plainText(100).describe(
      'The title: 1 to 100 characters of plain text (no control, format (Unicode Cf), private-use or surrogate characters, no HTML tags).',
    ),
    body: plainText(2000).describe(
      'The text: 1 to 2,000 characters of plain text; line breaks are kept, other control characters, format (Unicode Cf), private-use and surrogate characters and HTML tags are refused.',
    ),
    category: z.enum(NOTICE_CATEGORIES).describe('What kind of notice it is.'),
    // Characters are checked on the text as sent: the URL check would silently drop a line break or tab.
    url: noForbidden(
      z
        .string()
        // Checked again by the URL's protocol; said here so that the JSON Schema carries it.
        .regex(/^https:\/\//)
        .max(2048),
      false,
    )
      .pipe(z.url({ protocol: /^https$/, hostname: z.regexes.domain }))
      .optional()
      .describe(
        "A link to more, https:// only, on one of the municipality's domains (recorded at onboarding), at most 2,048 characters; leave it out when there is none.",
      ),
    publishedAt: z.iso
      .datetime({ offset: true })
      .describe(
        'When the municipality published it: ISO 8601 with its time zone, e.g. 2026-01-05T09:00:00+09:00; at most 5 minutes in the future.',
      ),
    /** Tolerated and ignored: the municipality is the topic's, never the message's. */
    municipality: z
      .unknown()
      .optional()
      .describe("Ignored if present: the municipality is the ingest topic's, never the message's."),
  })
  .describe(
    "A notice as a municipality publishes it to its ingest topic (SNS). The municipality is the topic's, never the message's.",
  );

/** `GET /v1/me/municipality` → 200. */
export const municipalityResponse = z.strictObject({
  code: municipalityCode,
  name: z.string().min(1),
  prefecture: z.string().min(1),
  /** Only in designated cities (政令指定都市): the ward of the address. */
  ward: municipalityRef.optional(),
  /** Whether the municipality publishes notices through xID (is onboarded). */
  notices: z.boolean(),
  /** Whether the resident's device gets its pushes (a move to one that does not publish ends it). */
  subscribed: z.boolean(),
});

/** `PUT /v1/me/notice-subscription` → 200. */
export const subscriptionResponse = z.strictObject({ municipality: municipalityRef, push: z.literal(true) });

/** A notice as residents read it (すべてのお知らせ, and the screen a push's deep link opens). */
export const noticeItem = z.strictObject({
  noticeId: z.uuid(),
  title: z.string(),
  body: z.string(),
  category: z.enum(NOTICE_CATEGORIES),
  url: z.url().optional(),
  publishedAt: z.iso.datetime({ offset: true }),
});

/** `GET /v1/me/notices` → 200: newest first, `nextCursor` for the next page or null. */
export const noticeListResponse = z.strictObject({
  municipality: municipalityRef,
  items: z.array(noticeItem),
  nextCursor: z.string().nullable(),
});

/** `GET /v1/municipalities/{code}/notices` → 200: the same list, public; the municipality by its code only. */
export const municipalityNoticeListResponse = z.strictObject({
  municipality: z.strictObject({ code: municipalityCode }),
  items: z.array(noticeItem),
  nextCursor: z.string().nullable(),
});

/** `GET /v1/me/notices?limit=&cursor=`. */
export const noticeListQuery = {
  limit: z.int().min(1).max(50).describe('How many notices, 1 to 50; 20 when absent.'),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .describe('The `nextCursor` of the previous page.'),
};

export const noticeIdParameter = z.uuid();

export type MunicipalityResponse = z.infer<typeof municipalityResponse>;
export type SubscriptionResponse = z.infer<typeof subscriptionResponse>;
export type NoticeItem = z.infer<typeof noticeItem>;
export type NoticeListResponse = z.infer<typeof noticeListResponse>;
export type MunicipalityNoticeListResponse = z.infer<typeof municipalityNoticeListResponse>;

/**
 * The one push a notice becomes (push-payload.ts): what APNs and FCM deliver to the app. `noticeId` opens
 * the notice (`GET /v1/me/notices/{noticeId}`); FCM carries the deep link `xid://notices/<noticeId>`.
 */
const pushData = {
  noticeId: z.uuid(),
  municipality: municipalityCode,
  category: z.enum(NOTICE_CATEGORIES),
};
const pushText = { title: z.string().min(1), body: z.string() };

export const apnsPayload = z
  .strictObject({
    aps: z.strictObject({
      alert: z.strictObject(pushText),
      sound: z.literal('default'),
      'thread-id': z.string().regex(/^notices-\d{6}$/),
    }),
    ...pushData,
  })
  .describe('The APNs payload of a notice push (APNS and APNS_SANDBOX).');

export const fcmPayload = z
  .strictObject({
    notification: z.strictObject(pushText),
    data: z.strictObject({ ...pushData, deepLink: z.string().regex(/^xid:\/\/notices\/[0-9a-f-]{36}$/) }),
    android: z.strictObject({ priority: z.literal('normal') }),
  })
  .describe('The FCM payload of a notice push: a notification message with data.');

/** The SNS message (`MessageStructure: json`) published once per notice to the municipality's push topic. */
export const pushTopicMessage = z
  .strictObject({
    default: z.string(),
    APNS: z.string(),
    APNS_SANDBOX: z.string(),
    GCM: z.string(),
    http: z.string(),
  })
  .describe(
    'The SNS message published to a municipality push topic: APNS, APNS_SANDBOX and GCM are the JSON strings of the APNs and FCM payloads.',
  );

export type ApnsPayload = z.infer<typeof apnsPayload>;
export type FcmPayload = z.infer<typeof fcmPayload>;
export type PushTopicMessage = z.infer<typeof pushTopicMessage>;

/**
 * The receipt xID publishes to a municipality's receipts topic for every message of its ingest topic
 * (design.md §3.12): `accepted` (stored and pushed), `duplicate` (that noticeId was accepted before) or
 * `rejected`, with the reason and the wrong fields in Japanese and English.
 */
const words = z.strictObject({ ja: z.string(), en: z.string() });

export const RECEIPT_STATUSES = ['accepted', 'duplicate', 'rejected'] as const;

export const noticeReceiptSchema = z
  .strictObject({
    schema: z.literal('xid/notice-receipt/v1').describe('Always "xid/notice-receipt/v1".'),
    noticeId: z
      .string()
      .max(64)
      .nullable()
      .describe("The notice's noticeId, or null when the message gave none that could be read."),
    messageId: z
      .string()
      .min(1)
      .max(100)
      .describe("SNS's id of the message on the ingest topic: what `aws sns publish` printed."),
    status: z
      .enum(RECEIPT_STATUSES)
      .describe(
        'accepted: stored and pushed to the residents; duplicate: a notice with this noticeId was accepted before (nothing changed); rejected: not stored, see reason and errors.',
      ),
    reason: words
      .optional()
      .describe('Why, in Japanese and English: for `rejected` (what to correct) and `duplicate`.'),
    errors: z
      .array(words.extend({ field: z.string() }))
      .optional()
      .describe(
        'For `rejected`: each wrong field of the notice and what it must be, in Japanese and English.',
      ),
    at: z.iso.datetime({ offset: true }).describe('When xID received the message.'),
  })
  .describe(
    "The receipt xID publishes to a municipality's receipts topic for every message of its ingest topic (design.md §3.12).",
  );
