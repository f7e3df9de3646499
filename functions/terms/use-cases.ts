import { noneMatch } from '../shared/http/conditional.ts';
import { ProblemError } from '../shared/problems.ts';
import type { LegalDocument } from './legal-texts.ts';
import type { TermsPorts } from './ports.ts';
import type { DocumentSlug, TermsResponse } from './schemas.ts';

/** URL path segment of each document. */
const SLUGS: Record<LegalDocument, DocumentSlug> = { terms: 'terms-of-use', privacyPolicy: 'privacy-policy' };

/**
 * The texts are public and change only with a new version, so a client may keep a copy, but must ask again
 * each time (`no-cache`): a conditional GET with the ETag costs a 304 and no body.
 */
export const TERMS_CACHE_CONTROL = 'public, no-cache';

/** `GET /v1/terms`: the versions in force and the SHA-256 a resident's card signs over. */
export function termsSummary(baseUrl: string, ports: TermsPorts): TermsResponse {
  const texts = ports.legalTexts();
  const describe = (doc: LegalDocument) => ({
    version: texts[doc].version,
    sha256: texts[doc].sha256,
    url: `${baseUrl}/v1/terms/${SLUGS[doc]}`,
  });
  return { terms: describe('terms'), privacyPolicy: describe('privacyPolicy') };
}

/**
 * `GET /v1/terms/{document}`: the text itself, byte for byte what the digest covers; `notModified` when
 * the client's copy (`If-None-Match`) is the current one.
 */
export function termsDocument(slug: string | undefined, ifNoneMatch: string | undefined, ports: TermsPorts) {
  const doc = (Object.keys(SLUGS) as LegalDocument[]).find((d) => SLUGS[d] === slug);
  if (!doc) throw new ProblemError('not_found', 'No such document');
  const text = ports.legalTexts()[doc];
  const etag = `"${text.sha256}"`;
  return {
    notModified: !noneMatch(ifNoneMatch, etag),
    headers: { ETag: etag, 'Cache-Control': TERMS_CACHE_CONTROL, 'X-Document-Version': text.version },
    text: text.text,
  };
}
