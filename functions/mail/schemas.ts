import { z } from 'zod';

/** `PUT /v1/me/email`: the address is checked and normalised by `email-address.ts`, not by the schema. */
export const emailBody = z.strictObject({ email: z.string().min(3).max(320) });

/**
 * The SES event (bounce, complaint …) that the configuration set publishes through SNS; only what the
 * feedback consumer reads.
 */
export const sesEvent = z.object({
  eventType: z.enum([
    'Bounce',
    'Complaint',
    'Delivery',
    'Send',
    'Reject',
    'Open',
    'Click',
    'DeliveryDelay',
    'RenderingFailure',
    'Subscription',
  ]),
  mail: z.object({ tags: z.record(z.string(), z.array(z.string())).optional() }),
  bounce: z
    .object({ bounceType: z.string(), bouncedRecipients: z.array(z.object({ emailAddress: z.string() })) })
    .optional(),
  complaint: z.object({ complainedRecipients: z.array(z.object({ emailAddress: z.string() })) }).optional(),
});
