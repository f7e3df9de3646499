import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadEvent } from '#events/load';
import { JA_CATALOGUE, preferredLanguage, problemText } from '#functions/shared/http/language';
import { PROBLEMS, type ProblemCode } from '#functions/shared/problems';
import { getTermsDocument } from '#functions/terms/handler';
import { lambdaContext } from '#lib/local/apigw-event';
import { REPO_ROOT } from '#lib/paths';

const JAPANESE = /[\u3040-\u30ff\u4e00-\u9fff]/;
const codes = Object.keys(PROBLEMS) as ProblemCode[];

/** Every TypeScript file under functions/, as text. */
function functionSources(): string[] {
  const root = path.join(REPO_ROOT, 'functions');
  return (readdirSync(root, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((file) => file.endsWith('.ts'))
    .map((file) => readFileSync(path.join(root, file), 'utf8'));
}

/** The fixed English details thrown in the code: `new ProblemError('code', '…')` and the `refuse('…')` helpers. */
function literalDetails(): Set<string> {
  const found = new Set<string>();
  const pattern = /(?:new ProblemError\(\s*'[a-z_]+',\s*|refuse\(\s*)'((?:[^'\\]|\\.)+)'/g;
  for (const source of functionSources()) {
    for (const match of source.matchAll(pattern)) found.add(match[1] as string);
  }
  return found;
}

describe('the Japanese problem catalogue', () => {
  it.each(codes)('has a Japanese title and detail for %s', (code) => {
    const entry = JA_CATALOGUE.problems[code];
    expect(entry.title).toMatch(JAPANESE);
    expect(entry.detail).toMatch(JAPANESE);
  });

  it('names no code the API does not have', () => {
    expect(Object.keys(JA_CATALOGUE.problems).sort()).toEqual([...codes].sort());
  });

  it('translates every fixed English detail the functions throw', () => {
    const details = literalDetails();
    expect(details.size).toBeGreaterThan(10);
    const missing = [...details].filter((detail) => !(detail in JA_CATALOGUE.details));
    expect(missing).toEqual([]);
  });

  it('translates no detail that the functions no longer throw', () => {
    const details = literalDetails();
    const stale = Object.keys(JA_CATALOGUE.details).filter((detail) => !details.has(detail));
    expect(stale).toEqual([]);
  });
});

describe('preferredLanguage', () => {
  it.each([
    [undefined, 'en'],
    ['', 'en'],
    ['ja', 'ja'],
    ['JA-jp', 'ja'],
    ['ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7', 'ja'],
    ['en-US,en;q=0.9,ja;q=0.8', 'en'],
    ['en;q=0.5, ja;q=0.8', 'ja'],
    ['fr-FR, ja;q=0.5', 'ja'],
    ['fr-FR, de', 'en'],
    ['ja;q=0', 'en'],
    ['*', 'en'],
    ['jav', 'en'],
    ['ja;q=abc, en;q=0.1', 'en'],
  ] as const)('reads %j as %s', (header, language) => {
    expect(preferredLanguage(header)).toBe(language);
  });

  it('answers en or ja for any header, never throwing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (header) => {
        expect(['en', 'ja']).toContain(preferredLanguage(header));
      }),
    );
  });

  it('answers ja whenever ja outweighs every other range we speak', () => {
    const weight = fc.integer({ min: 1, max: 1000 }).map((n) => n / 1000);
    fc.assert(
      fc.property(weight, weight, (ja, en) => {
        fc.pre(ja !== en);
        const header = `en;q=${en}, ja;q=${ja}`;
        expect(preferredLanguage(header)).toBe(ja > en ? 'ja' : 'en');
      }),
    );
  });
});

describe('problemText', () => {
  it('keeps the English title and detail for English', () => {
    expect(problemText('not_found', 'No such document', 'en')).toEqual({
      title: PROBLEMS.not_found.title,
      detail: 'No such document',
    });
  });

  it('translates a known detail, and gives the code’s own detail for an unknown one', () => {
    expect(problemText('not_found', 'No such document', 'ja').detail).toBe('該当する文書がありません。');
    expect(problemText('payload_too_large', 'The body may not exceed 200 bytes', 'ja').detail).toBe(
      JA_CATALOGUE.problems.payload_too_large.detail,
    );
    expect(problemText('already_active', undefined, 'ja').detail).toBe(
      JA_CATALOGUE.problems.already_active.detail,
    );
  });
});

describe('a problem answered in Japanese', () => {
  const unknownDocument = (acceptLanguage?: string) => {
    const event = loadEvent('apigw', 'get-terms-document');
    event.pathParameters = { document: 'no-such-document' };
    if (acceptLanguage) event.headers = { ...event.headers, 'Accept-Language': acceptLanguage };
    return getTermsDocument(event, lambdaContext('getTermsDocument'));
  };

  it('has a Japanese title and detail and the same code when the request asks for ja', async () => {
    const result = await unknownDocument('ja-JP,ja;q=0.9,en;q=0.8');
    const body = JSON.parse(result.body);
    expect(result.statusCode).toBe(404);
    expect(body).toMatchObject({
      type: 'urn:xid:problem:not_found',
      code: 'not_found',
      status: 404,
      title: JA_CATALOGUE.problems.not_found.title,
      detail: '該当する文書がありません。',
    });
    expect(result.headers?.['Content-Language']).toBe('ja');
    expect(result.headers?.Vary).toBe('Accept-Language');
  });

  it('stays English without the header or when English is preferred', async () => {
    for (const header of [undefined, 'en-US,en;q=0.9,ja;q=0.8']) {
      const result = await unknownDocument(header);
      expect(JSON.parse(result.body)).toMatchObject({
        code: 'not_found',
        title: PROBLEMS.not_found.title,
        detail: 'No such document',
      });
      expect(result.headers?.['Content-Language']).toBe('en');
    }
  });
});
