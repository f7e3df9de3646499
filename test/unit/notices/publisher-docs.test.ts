import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { NoticeRejectedError, parseNotice } from '#functions/notices/notice';
import { noticeReceiptSchema } from '#functions/notices/schemas';
import { REPO_ROOT } from '#lib/paths';
import { PUBLISHER_FILES, publisherDocs } from '#lib/publisher-docs';

/**
 * What a municipality's publisher is given (docs/schemas, docs/examples, docs/municipalities.ja.md) matches
 * the code: generated files up to date, example notices accepted or rejected as the notices function would,
 * and the JSON Schema, read by an independent validator (ajv), agreeing on them.
 */
/** The examples' municipality, 品川区, onboarded with its domain; a moment after every example's date. */
const SHINAGAWA = { domains: ['city.shinagawa.tokyo.jp'], now: new Date('2027-01-01T00:00:00Z') };
const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validNotice = ajv.compile(JSON.parse(read('docs/schemas/notice.schema.json')));
const validReceipt = ajv.compile(JSON.parse(read('docs/schemas/notice-receipt.schema.json')));

let generated: Awaited<ReturnType<typeof publisherDocs>>;
beforeAll(async () => {
  generated = await publisherDocs();
});

describe('publisher documents', () => {
  it.each(PUBLISHER_FILES)('%s is up to date (npm run publisher-docs)', (file) => {
    expect(read(file), `${file} is stale: npm run publisher-docs`).toBe(generated[file]);
  });

  it.each(['notice.json', 'notice-disaster.json'])(
    'docs/examples/%s is a notice the function accepts and the JSON Schema validates',
    (file) => {
      const text = read(`docs/examples/${file}`);
      expect(parseNotice(text, SHINAGAWA).noticeId).toMatch(/^[0-9a-f-]{36}$/);
      expect(validNotice(JSON.parse(text)), JSON.stringify(validNotice.errors)).toBe(true);
    },
  );

  it('docs/examples/notice-rejected.json is rejected by both, for what each can express', () => {
    const text = read('docs/examples/notice-rejected.json');
    expect(() => parseNotice(text, SHINAGAWA)).toThrow(NoticeRejectedError);
    expect(validNotice(JSON.parse(text))).toBe(false);
    const paths = (validNotice.errors ?? []).map((e) => e.instancePath).sort();
    expect(paths).toEqual(['/category', '/url']);
  });

  it.each(['receipt-accepted.json', 'receipt-duplicate.json', 'receipt-rejected.json'])(
    'docs/examples/%s is a receipt by the zod schema and by the JSON Schema',
    (file) => {
      const receipt = JSON.parse(read(`docs/examples/${file}`));
      expect(noticeReceiptSchema.parse(receipt)).toEqual(receipt);
      expect(validReceipt(receipt), JSON.stringify(validReceipt.errors)).toBe(true);
      expect(receipt.status).toBe(file.replace(/^receipt-|\.json$/g, ''));
    },
  );

  it('gives the Japanese guide the files it refers to', () => {
    const guide = read('docs/municipalities.ja.md');
    for (const file of [
      'docs/schemas/notice.schema.json',
      'docs/examples/notice.json',
      'docs/examples/publisher-policy.json',
      'docs/examples/receipt-rejected.json',
    ]) {
      expect(guide).toContain(path.basename(file));
      expect(() => read(file)).not.toThrow();
    }
  });
});
