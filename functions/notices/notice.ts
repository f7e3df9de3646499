import type { z } from 'zod';
import {
  type FieldRejection,
  NOT_JSON,
  offDomains,
  PUBLISHED_IN_FUTURE,
  rejectionReason,
  rejectionsOf,
} from './rejections.ts';
import { noticeSchema } from './schemas.ts';

export type Notice = Omit<z.infer<typeof noticeSchema>, 'municipality'>;

/**
 * A notice refused for what it says: the fields that are wrong, in Japanese and English, and the noticeId
 * it claimed (when it gave a string one), so that its receipt can name it.
 */
export class NoticeRejectedError extends Error {
  override name = 'NoticeRejectedError';

  constructor(
    readonly rejections: readonly FieldRejection[],
    readonly noticeId: string | null = null,
  ) {
    super(rejectionReason(rejections).en);
  }
}

/** A message from a topic that is not an onboarded municipality's ingest topic: no one to answer to. */
export class UnknownTopicError extends Error {
  override name = 'UnknownTopicError';
}

/** How far in the future a notice's `publishedAt` may be (clocks differ; a notice dated later is refused). */
export const PUBLISHED_AT_SKEW_MS = 5 * 60_000;

/** What a notice is checked against beyond its own shape: its municipality's domains, and the time. */
export interface NoticeContext {
  /** The domains recorded at onboarding; a link must be on one of them (or below it). None: no link. */
  domains: readonly string[];
  now: Date;
}

/** Whether a host is one of the domains or a subdomain of one (`www.city.example.jp` of `city.example.jp`). */
export function onDomains(host: string, domains: readonly string[]): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return domains.some((domain) => name === domain || name.endsWith(`.${domain}`));
}

/**
 * Parses and checks a notice message (the SNS `Message` string) against its shape, its municipality's link
 * domains and the time. Throws `NoticeRejectedError` naming every wrong field, in words a clerk can act on.
 */
export function parseNotice(message: string, context: NoticeContext): Notice {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    throw new NoticeRejectedError([NOT_JSON]);
  }
  const result = noticeSchema.safeParse(json);
  const rejections = result.success ? [] : rejectionsOf(result.error.issues);
  const wrong = (field: string) => rejections.some((r) => r.field === field);
  // Checked on what was sent, whatever else is wrong with it, so that one refusal names every field.
  const { url, publishedAt, noticeId } = (json ?? {}) as Record<string, unknown>;
  const host = typeof url === 'string' && URL.canParse(url) ? new URL(url).hostname : undefined;
  if (!wrong('url') && host !== undefined && !onDomains(host, context.domains))
    rejections.push(offDomains(context.domains));
  const published = typeof publishedAt === 'string' ? Date.parse(publishedAt) : Number.NaN;
  if (!wrong('publishedAt') && published > context.now.getTime() + PUBLISHED_AT_SKEW_MS)
    rejections.push(PUBLISHED_IN_FUTURE);
  if (!result.success || rejections.length > 0) {
    throw new NoticeRejectedError(
      rejections,
      typeof noticeId === 'string' && noticeId.length <= 64 ? noticeId : null,
    );
  }
  const { municipality: _ignored, ...notice } = result.data;
  return notice;
}
