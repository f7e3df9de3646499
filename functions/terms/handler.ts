import { apiHandler } from '../shared/http/api.ts';
import { publicBaseUrl } from '../shared/http/base-url.ts';
import { header } from '../shared/http/middleware.ts';
import { json } from '../shared/http/response.ts';
import { Failure } from '../shared/problems.ts';
import { LEGAL_FOLDER, type LegalDocument, loadLegalTexts } from './legal-texts.ts';

const texts = loadLegalTexts(LEGAL_FOLDER);

/** URL path segment of each document. */
const SLUGS: Record<LegalDocument, string> = { terms: 'terms-of-use', privacyPolicy: 'privacy-policy' };

/** `GET /v1/terms`: the versions in force and the SHA-256 a resident's card signs over. */
export const getTerms = apiHandler({}, async ({ event }) => {
  const base = publicBaseUrl(event);
  const describe = (doc: LegalDocument) => ({
    version: texts[doc].version,
    sha256: texts[doc].sha256,
    url: `${base}/v1/terms/${SLUGS[doc]}`,
  });
  return json(200, { terms: describe('terms'), privacyPolicy: describe('privacyPolicy') });
});

/**
 * The texts are public and change only with a new version, so a client may keep a copy, but must ask again
 * each time (`no-cache`): a conditional GET with the ETag costs a 304 and no body.
 */
export const TERMS_CACHE_CONTROL = 'public, no-cache';

/** RFC 9110 §13.1.2: `If-None-Match` is `*` or a list of entity tags, compared weakly (`W/` ignored). */
export function noneMatch(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return true;
  if (ifNoneMatch.trim() === '*') return false;
  const tags = ifNoneMatch.match(/(?:W\/)?"[^"]*"/g) ?? [];
  return !tags.some((tag) => tag.replace(/^W\//, '') === etag);
}

/** `GET /v1/terms/{document}`: the text itself, byte for byte what the digest covers; 304 when unchanged. */
export const getTermsDocument = apiHandler({}, async ({ event }) => {
  const slug = event.pathParameters?.document;
  const doc = (Object.keys(SLUGS) as LegalDocument[]).find((d) => SLUGS[d] === slug);
  if (!doc) throw new Failure('not_found', 'No such document');
  const etag = `"${texts[doc].sha256}"`;
  const headers = {
    ETag: etag,
    'Cache-Control': TERMS_CACHE_CONTROL,
    'X-Document-Version': texts[doc].version,
  };
  if (!noneMatch(header(event, 'if-none-match'), etag)) return { statusCode: 304, headers, body: '' };
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'text/markdown; charset=utf-8', ...headers },
    body: texts[doc].text,
  };
});
