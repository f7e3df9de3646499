import document from '../../docs/openapi.json' with { type: 'json' };
import { apiHandler } from '../shared/http/api.ts';
import { publicBaseUrl } from '../shared/http/base-url.ts';
import { json } from '../shared/http/response.ts';
import { openApiResponse } from './schemas.ts';
import { servedDocument } from './use-cases.ts';

// Bundled into the function; checked once per container so that a broken document fails at cold start.
const contract = openApiResponse.parse(document);

/** `GET /v1/openapi.json`: public, nothing personal in it, so shared caches may keep it for five minutes. */
export const getOpenApi = apiHandler({}, async ({ event }) =>
  json(200, servedDocument(contract, publicBaseUrl(event)), { 'Cache-Control': 'public, max-age=300' }),
);
