import type { z } from 'zod';
import { noticeSchema } from './schemas.ts';

export type Notice = Omit<z.infer<typeof noticeSchema>, 'municipality'>;

export class NoticeRejectedError extends Error {
  override name = 'NoticeRejectedError';
}

/** Parses and checks a notice message (the SNS `Message` string). Throws `NoticeRejectedError` with the reason. */
export function parseNotice(message: string): Notice {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    throw new NoticeRejectedError('the message is not JSON');
  }
  const result = noticeSchema.safeParse(json);
  if (!result.success) {
    const where = [...new Set(result.error.issues.map((issue) => issue.path.join('.') || '(root)'))].join(
      ', ',
    );
    throw new NoticeRejectedError(`the notice is invalid at: ${where}`);
  }
  const { municipality: _ignored, ...notice } = result.data;
  return notice;
}
