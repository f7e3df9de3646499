import * as z from 'zod';

const document = z.strictObject({
  version: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  url: z.url(),
});

/** `GET /v1/terms` (guide step 1): the versions in force, their digests and where to read them. */
export const termsResponse = z.strictObject({ terms: document, privacyPolicy: document });

export type TermsResponse = z.infer<typeof termsResponse>;

/** `GET /v1/terms/{document}`: the two documents by their path segment. */
export const documentParameter = z.enum(['terms-of-use', 'privacy-policy']);
export type DocumentSlug = z.infer<typeof documentParameter>;
