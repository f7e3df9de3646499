import type { OpenApiResponse } from './schemas.ts';

/**
 * `GET /v1/openapi.json`: the checked-in contract (docs/openapi.json, generated from the route table), with
 * its one server set to the address the client used, so that tools pointed at it call this very stage.
 */
export function servedDocument(document: OpenApiResponse, baseUrl: string): OpenApiResponse {
  return { ...document, servers: [{ url: baseUrl, description: 'The stage that served this document' }] };
}
