import type { Notice } from './notice.ts';

/** An onboarded municipality as the onboarding command records it. */
export interface MunicipalityRecord {
  code: string;
  name: string;
  prefecture: string;
  ingestTopicArn: string;
  publisher: string;
  onboardedAt: string;
}

/** A notice as stored for the inbox. */
export interface StoredNotice extends Notice {
  receivedAt: string;
}
