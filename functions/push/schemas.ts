import * as z from 'zod';

/**
 * `PUT /v1/me/push`: an APNs device token (hex) or an FCM registration token. APNs tokens are checked for
 * their shape here, so that SNS never refuses one with an error the client would see as a 500.
 */
export const pushBody = z
  .strictObject({
    platform: z.enum(['APNS', 'APNS_SANDBOX', 'FCM']),
    token: z
      .string()
      .min(32)
      .max(4096)
      .regex(/^[A-Za-z0-9_:.-]+$/, 'not a device token'),
  })
  .refine((body) => body.platform === 'FCM' || /^[0-9a-fA-F]{64,200}$/.test(body.token), {
    message: 'an APNs device token is 64 to 200 hexadecimal characters',
    path: ['token'],
  });

export type PushBody = z.infer<typeof pushBody>;

/** `PUT /v1/me/push` → 200: the device's endpoint works. */
export const pushResponse = z.strictObject({
  platform: z.enum(['APNS', 'APNS_SANDBOX', 'FCM']),
  enabled: z.literal(true),
});

export type PushResponse = z.infer<typeof pushResponse>;

/** An endpoint event of a platform application (`EventEndpointUpdated`, `…Deleted`, `…DeliveryFailure`). */
export const platformEvent = z.object({
  EventType: z.string(),
  EndpointArn: z.string().startsWith('arn:'),
  EndpointAttributes: z.record(z.string(), z.string()).optional(),
});
