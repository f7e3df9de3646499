import * as z from 'zod';

/** The custom resource's properties, as the PlatformApplications construct writes them. */
export const platformApplicationProperties = z.object({
  Name: z.string().min(1).max(256),
  Platform: z.enum(['APNS', 'APNS_SANDBOX', 'GCM']),
  SecretName: z.string().min(1),
  /** Keep the application when the stack is deleted (production). */
  Retain: z.enum(['true', 'false']).optional(),
  /** Topic that receives the application's endpoint events (updated, deleted, delivery failure). */
  EventTopicArn: z.string().startsWith('arn:').optional(),
});

export type PlatformApplicationProperties = z.infer<typeof platformApplicationProperties>;
