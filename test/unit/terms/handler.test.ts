import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadEvent } from '#events/load';
import { getTerms, getTermsDocument } from '#functions/terms/handler';
import { LEGAL_FOLDER, loadLegalTexts } from '#functions/terms/legal-texts';
import { lambdaContext } from '#lib/local/apigw-event';

const sha256 = (file: string) =>
  createHash('sha256')
    .update(readFileSync(new URL(file, LEGAL_FOLDER)))
    .digest('hex');

describe('terms', () => {
  it('publishes each document version with the SHA-256 of its exact bytes', async () => {
    const result = await getTerms(loadEvent('apigw', 'get-terms'), lambdaContext('getTerms'));
    const body = JSON.parse(result.body);
    const manifest = JSON.parse(readFileSync(new URL('manifest.json', LEGAL_FOLDER), 'utf8'));
    expect(body.terms).toEqual({
      version: manifest.terms.version,
      sha256: sha256(manifest.terms.file),
      url: 'https://abcdef1234.execute-api.ap-northeast-1.amazonaws.com/live/v1/terms/terms-of-use',
    });
    expect(body.privacyPolicy.sha256).toBe(sha256(manifest.privacyPolicy.file));
    expect(body.privacyPolicy.url).toMatch(/\/v1\/terms\/privacy-policy$/);
  });

  it('serves the text whose digest it publishes', async () => {
    const event = loadEvent('apigw', 'get-terms-document');
    const result = await getTermsDocument(event, lambdaContext('getTermsDocument'));
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['Content-Type']).toBe('text/markdown; charset=utf-8');
    const digest = createHash('sha256').update(result.body, 'utf8').digest('hex');
    expect(result.headers?.ETag).toBe(`"${digest}"`);
    expect(digest).toBe(loadLegalTexts(LEGAL_FOLDER).privacyPolicy.sha256);
  });

  describe('conditional GET', () => {
    const etag = `"${loadLegalTexts(LEGAL_FOLDER).privacyPolicy.sha256}"`;
    const get = (headers: Record<string, string>) => {
      const event = loadEvent('apigw', 'get-terms-document');
      event.headers = { ...event.headers, ...headers };
      return getTermsDocument(event, lambdaContext('getTermsDocument'));
    };

    it('lets a client keep the text and revalidate it, instead of forbidding storage', async () => {
      const result = await get({});
      expect(result.headers?.['Cache-Control']).toBe('public, no-cache');
      expect(result.headers?.['X-Content-Type-Options']).toBe('nosniff');
    });

    it.each([
      ['the same tag', { 'If-None-Match': etag }],
      ['the header in lower case', { 'if-none-match': etag }],
      ['the weak form of the tag', { 'If-None-Match': `W/${etag}` }],
      ['a list that holds the tag', { 'If-None-Match': `"0000", ${etag}` }],
      ['*', { 'If-None-Match': '*' }],
    ])('answers 304 without a body for %s', async (_, headers) => {
      const result = await get(headers);
      expect(result.statusCode).toBe(304);
      expect(result.body).toBe('');
      expect(result.headers?.ETag).toBe(etag);
      expect(result.headers?.['Cache-Control']).toBe('public, no-cache');
    });

    it.each([
      ['another tag', '"0000"'],
      ['the tag without its quotes', etag.replaceAll('"', '')],
      ['an empty header', ''],
    ])('answers 200 with the text for %s', async (_, value) => {
      const result = await get({ 'If-None-Match': value });
      expect(result.statusCode).toBe(200);
      expect(createHash('sha256').update(result.body, 'utf8').digest('hex')).toBe(etag.slice(1, -1));
    });
  });

  it('answers an unknown document with 404 not_found', async () => {
    const event = loadEvent('apigw', 'get-terms-document');
    event.pathParameters = { document: '..%2Fmanifest.json' };
    const result = await getTermsDocument(event, lambdaContext('getTermsDocument'));
    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body).code).toBe('not_found');
  });

  it('marks the shipped texts as examples for the operator to replace', () => {
    const texts = loadLegalTexts(LEGAL_FOLDER);
    for (const doc of [texts.terms, texts.privacyPolicy]) {
      expect(doc.text).toContain('見本');
      expect(doc.text).toContain('EXAMPLE');
    }
  });
});
