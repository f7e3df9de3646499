import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import type { NoticeReceipt } from '../functions/notices/model.ts';
import type { NoticeIngestPorts } from '../functions/notices/ports.ts';
import { noticeReceiptSchema, noticeSchema } from '../functions/notices/schemas.ts';
import { publisherPolicy } from '../functions/notices/topic-policy.ts';
import { receiveNotice } from '../functions/notices/use-cases.ts';
import { REPO_ROOT } from './paths.ts';

/**
 * What a municipality's publisher is given (design.md §3.12, docs/municipalities.ja.md), generated so that it
 * cannot drift from the code: the JSON Schemas of a notice and of a receipt (from the zod schemas the notices
 * function uses), the IAM policy of its publisher role (from the function `npm run municipality -- policy`
 * uses), and the receipts the notices function gives for the example notices of `docs/examples/`.
 * `npm run publisher-docs` writes them; a unit test fails while one is stale.
 */
const EXAMPLE_ACCOUNT = '111122223333';
const EXAMPLE_REGION = 'ap-northeast-1';
const EXAMPLE_KEY = `arn:aws:kms:${EXAMPLE_REGION}:${EXAMPLE_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const topic = (kind: string) => `arn:aws:sns:${EXAMPLE_REGION}:${EXAMPLE_ACCOUNT}:xid-prod-${kind}-131091`;

function jsonSchema(schema: z.ZodType, title: string): unknown {
  return { title, ...(z.toJSONSchema(schema, { io: 'input' }) as object) };
}

const text = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** The receipt the notices function gives for one example notice (fixed time and message id). */
async function receiptFor(
  example: string,
  messageId: string,
  deliveredBefore = false,
): Promise<NoticeReceipt> {
  const body = readFileSync(path.join(REPO_ROOT, 'docs/examples', example), 'utf8');
  let pushed = deliveredBefore;
  let kept: NoticeReceipt | undefined;
  const ports: NoticeIngestPorts = {
    municipalityOfTopic: async () => ({
      code: '131091',
      name: '品川区',
      domains: ['city.shinagawa.tokyo.jp'],
    }),
    storeOnce: async () => (pushed ? 'pushed-earlier' : 'stored'),
    publishPush: async () => undefined,
    markPushed: async () => {
      pushed = true;
    },
    keepReceipt: async () => undefined,
    publishReceipt: async (_code, receipt) => {
      kept = receipt;
    },
    now: () => new Date('2026-12-01T00:00:01.234Z'),
  };
  await receiveNotice({ topicArn: topic('ingest'), messageId, body }, ports);
  return noticeReceiptSchema.parse(kept);
}

/** The generated files, by their path in the repository. */
export const PUBLISHER_FILES = [
  'docs/schemas/notice.schema.json',
  'docs/schemas/notice-receipt.schema.json',
  'docs/examples/publisher-policy.json',
  'docs/examples/receipt-accepted.json',
  'docs/examples/receipt-duplicate.json',
  'docs/examples/receipt-rejected.json',
] as const;

/** Every generated file, by its path in the repository, with its content. */
export async function publisherDocs(): Promise<Record<(typeof PUBLISHER_FILES)[number], string>> {
  return {
    'docs/schemas/notice.schema.json': text(jsonSchema(noticeSchema, 'xID notice (xid/notice/v1)')),
    'docs/schemas/notice-receipt.schema.json': text(
      jsonSchema(noticeReceiptSchema, 'xID notice receipt (xid/notice-receipt/v1)'),
    ),
    'docs/examples/publisher-policy.json': text(
      publisherPolicy({
        ingestTopicArn: topic('ingest'),
        receiptsTopicArn: topic('receipts'),
        noticesKeyArn: EXAMPLE_KEY,
        region: EXAMPLE_REGION,
      }),
    ),
    'docs/examples/receipt-accepted.json': text(
      await receiptFor('notice.json', '5b7c2f0e-4a1d-5e8b-9c3f-7d2a6e1b0f94'),
    ),
    'docs/examples/receipt-duplicate.json': text(
      await receiptFor('notice.json', '0e9d4c3b-2a1f-5e6d-8c7b-6a5f4e3d2c1b', true),
    ),
    'docs/examples/receipt-rejected.json': text(
      await receiptFor('notice-rejected.json', '8a6f1e2d-3c4b-5a69-8e7d-1f0a2b3c4d5e'),
    ),
  };
}
