import { apiHandler } from '../shared/http/api.ts';
import { publicBaseUrl } from '../shared/http/base-url.ts';
import { json } from '../shared/http/response.ts';
import { ProblemError } from '../shared/problems.ts';
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

/** `GET /v1/terms/{document}`: the text itself, byte for byte what the digest covers. */
export const getTermsDocument = apiHandler({}, async ({ event }) => {
  const slug = event.pathParameters?.document;
  const doc = (Object.keys(SLUGS) as LegalDocument[]).find((d) => SLUGS[d] === slug);
  if (!doc) throw new ProblemError('not_found', 'No such document');
  return {
    statusCode: 200,
    headers: {
      'Content-Type': 'text/markdown; charset=utf-8',
      ETag: `"${texts[doc].sha256}"`,
      'X-Document-Version': texts[doc].version,
    },
    body: texts[doc].text,
  };
});
