import * as z from 'zod';

/** `PUT /v1/me/email`: the address is checked and normalised by `email-address.ts`, not by the schema. */
export const emailBody = z.strictObject({ email: z.string().min(3).max(320) });

/** `PUT /v1/me/email` → 202: the address as stored (IDN domains as A-labels), unconfirmed. */
export const emailResponse = z.strictObject({
  email: z.string(),
  verified: z.literal(false),
  /** `carrier_domain`: a Japanese carrier's domain that refuses outside mail unless the resident allows it. */
  warnings: z.array(z.enum(['carrier_domain'])),
});

/** `POST /v1/me/email/resend` → 202. */
export const emailResendResponse = z.strictObject({ email: z.string(), verified: z.literal(false) });

/** `GET /v1/email-verifications/{token}`: the link's secret, 32 bytes base64url. */
export const verificationTokenParameter = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

export type EmailResponse = z.infer<typeof emailResponse>;
export type EmailResendResponse = z.infer<typeof emailResendResponse>;

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
