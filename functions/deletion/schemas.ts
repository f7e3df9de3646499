import * as z from 'zod';

/** `DELETE /v1/me` (design.md §3.10): a sign proof (PIN2), a compact JWS, over the deletion statement. */
export const deletionBody = z.strictObject({
  signProof: z
    .string()
    .max(2048)
    .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'must be a compact JWS'),
});

export type DeletionBody = z.infer<typeof deletionBody>;
