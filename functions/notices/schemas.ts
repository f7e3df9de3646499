import { z } from 'zod';

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

const plainText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine(
      (text) => ![...text].some((c) => (c.charCodeAt(0) < 0x20 && c !== '\n') || c.charCodeAt(0) === 0x7f),
      {
        message: 'control characters are not allowed',
      },
    )
    .refine((text) => !/<\/?[a-z][^>]*>/i.test(text), { message: 'plain text only, no markup' });

export const noticeSchema = z.strictObject({
  schema: z.literal('xid/notice/v1'),
  noticeId: z.uuid(),
  title: plainText(100),
  body: plainText(2000),
  category: z.enum(NOTICE_CATEGORIES),
  url: z
    .url({ protocol: /^https$/, hostname: z.regexes.domain })
    .max(2048)
    .optional(),
  publishedAt: z.iso.datetime({ offset: true }),
  /** Tolerated and ignored: the municipality is the topic's, never the message's. */
  municipality: z.unknown().optional(),
});
