import { z } from 'zod';

/** `PUT /v1/me/email`: the address is checked and normalised by `address.ts`, not by the schema. */
export const emailBody = z.strictObject({ email: z.string().min(3).max(320) });
