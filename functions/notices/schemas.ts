import { z } from 'zod';

/** `PUT /v1/me/push`: an APNs device token (hex) or an FCM registration token. */
export const pushBody = z.strictObject({
  platform: z.enum(['APNS', 'APNS_SANDBOX', 'FCM']),
  token: z
    .string()
    .min(32)
    .max(4096)
    .regex(/^[A-Za-z0-9_:.-]+$/, 'not a device token'),
});

/** `PUT /v1/me/notice-subscription` (guide: 自治体からのお知らせの設定). */
export const subscriptionBody = z.strictObject({
  push: z.literal(true),
  consents: z.strictObject({
    termsVersion: z.string().min(1).max(40),
    privacyPolicyVersion: z.string().min(1).max(40),
  }),
});
