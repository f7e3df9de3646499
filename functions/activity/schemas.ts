import * as z from 'zod';
import { ACTIVITY_TYPES } from './model.ts';

/** One activity entry as the API shows it (design.md §3.11). */
export const activityEntry = z.strictObject({
  seq: z.number().int().positive(),
  at: z.iso.datetime(),
  type: z.enum(ACTIVITY_TYPES),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])),
  hash: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});

/** The newest entry's number and hash, as `GET /v1/me` carries it. */
export const activityHead = z.strictObject({
  seq: z.number().int().positive(),
  hash: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});

/** `GET /v1/me/activity`'s query parameters, as the contract describes them (the use case checks them). */
export const activityListQuery = {
  limit: z.int().min(1).max(100).describe('How many entries, 1 to 100; 20 when absent.'),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .describe('The `nextCursor` of the previous page.'),
};

/** `GET /v1/me/activity?limit=&cursor=`: the response body. */
export const activityResponse = z.strictObject({
  items: z.array(activityEntry),
  nextCursor: z.string().nullable(),
});

export type ActivityResponse = z.infer<typeof activityResponse>;
