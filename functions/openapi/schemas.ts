import * as z from 'zod';

/** `GET /v1/openapi.json`: an OpenAPI 3.1 document (its full shape is OpenAPI's own JSON Schema). */
export const openApiResponse = z.looseObject({
  openapi: z.string().regex(/^3\.1\.\d+$/),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  servers: z.array(z.looseObject({ url: z.string() })).min(1),
  paths: z.record(z.string(), z.unknown()),
});

export type OpenApiResponse = z.infer<typeof openApiResponse>;
