import { apiHandler } from '../shared/http/api.ts';
import { publicBaseUrl } from '../shared/http/base-url.ts';
import { header } from '../shared/http/middleware.ts';
import { json } from '../shared/http/response.ts';
import { legalTexts } from './legal-texts.ts';
import type { TermsPorts } from './ports.ts';
import { termsDocument, termsSummary } from './use-cases.ts';

const ports: TermsPorts = { legalTexts };
ports.legalTexts(); // read at cold start: a bundle without its texts fails loudly, not at the first request

/** `GET /v1/terms` (guide step 1: 利用規約・プライバシーポリシーに同意). */
export const getTerms = apiHandler({}, async ({ event }) =>
  json(200, termsSummary(publicBaseUrl(event), ports)),
);

/** `GET /v1/terms/{document}`: the text, or 304 when the client's copy is current. */
export const getTermsDocument = apiHandler({}, async ({ event }) => {
  const found = termsDocument(event.pathParameters?.document, header(event, 'if-none-match'), ports);
  if (found.notModified) return { statusCode: 304, headers: found.headers, body: '' };
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'text/markdown; charset=utf-8', ...found.headers },
    body: found.text,
  };
});
