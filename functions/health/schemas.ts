import * as z from 'zod';

/** `GET /v1/health`: alive, and which stage answered. */
export const healthResponse = z.strictObject({ status: z.literal('ok'), stage: z.string().min(1) });

export type HealthResponse = z.infer<typeof healthResponse>;
