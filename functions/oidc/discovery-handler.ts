import { apiHandler } from '../shared/http/api.ts';
import { publicBaseUrl } from '../shared/http/base-url.ts';
import { json } from '../shared/http/response.ts';
import { discovery } from './use-cases.ts';

/** `GET /.well-known/openid-configuration` (OpenID Connect Discovery 1.0): touches nothing but the request. */
export const getOpenIdConfiguration = apiHandler({}, async ({ event }) =>
  json(200, discovery(publicBaseUrl(event)), { 'Cache-Control': 'public, max-age=3600' }),
);
