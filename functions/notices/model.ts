import type { z } from 'zod';
import type { Notice } from './notice.ts';
import type { noticeReceiptSchema } from './schemas.ts';

/** An onboarded municipality as the onboarding command records it. */
export interface MunicipalityRecord {
  code: string;
  name: string;
  prefecture: string;
  ingestTopicArn: string;
  /** Where its receipts go; records from before receipts existed have none until `onboard` runs again. */
  receiptsTopicArn?: string;
  publisher: string;
  /** The domains its notices may link to (and their subdomains); none: its notices carry no link. */
  domains?: string[];
  onboardedAt: string;
}

/** A notice as stored for the inbox. */
export interface StoredNotice extends Notice {
  receivedAt: string;
}

/** A receipt as published and kept (design.md §3.12). */
export type NoticeReceipt = z.infer<typeof noticeReceiptSchema>;
