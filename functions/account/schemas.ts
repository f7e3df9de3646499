import * as z from 'zod';
import { activityHead } from '../activity/schemas.ts';

/** `GET /v1/me` (design.md §3.3): the response body, so that its shape is checked and documented. */
export const meResponse = z.strictObject({
  accountId: z.uuid(),
  status: z.enum(['pending_activation', 'active', 'reverification_required']),
  /** design.md §3.7: why the registration must be updated with the current card, and since when. */
  reverification: z
    .strictObject({
      reason: z.enum([
        'basic_items_changed',
        'certificate_renewed',
        'key_compromise',
        'certificate_discontinued',
        'certificate_suspended',
        'certificate_revoked',
      ]),
      since: z.iso.datetime(),
    })
    .nullable(),
  name: z.string(),
  gender: z.enum(['male', 'female', 'unknown']),
  dateOfBirth: z.iso.date(),
  address: z.string(),
  municipality: z.strictObject({ code: z.string().regex(/^\d{6}$/), name: z.string() }),
  email: z.strictObject({ address: z.string(), verified: z.boolean(), deliverable: z.boolean() }).nullable(),
  emailVerified: z.boolean(),
  /** The newest activity entry (design.md §3.11), so that the app can check what it saw; null: none yet. */
  activity: activityHead.nullable(),
});

export type MeResponse = z.infer<typeof meResponse>;
