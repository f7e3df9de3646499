import type { z } from 'zod';
import { type FieldRejection, NOT_JSON, rejectionReason, rejectionsOf } from './rejections.ts';
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

/** Parses and checks a notice message (the SNS `Message` string). Throws `NoticeRejectedError` with the reasons. */
export function parseNotice(message: string): Notice {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    throw new NoticeRejectedError([NOT_JSON]);
  }
  const result = noticeSchema.safeParse(json);
  if (!result.success) {
    const claimed = (json as { noticeId?: unknown } | null)?.noticeId;
    throw new NoticeRejectedError(
      rejectionsOf(result.error.issues),
      typeof claimed === 'string' && claimed.length <= 64 ? claimed : null,
    );
  }
  const { municipality: _ignored, ...notice } = result.data;
  return notice;
}
