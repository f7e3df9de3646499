import { z } from 'zod';

/** Requests of Sign in with xID that carry JSON (the token endpoint's form is read by the use case). */
const jws = z
  .string()
  .max(4096)
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'must be a compact JWS');

/** `POST /oauth2/requests/{requestId}/login-hint`. */
export const loginHintBody = z.strictObject({ email: z.string().min(1).max(320) });
/** `POST /v1/me/authorization-requests/claim`. */
export const claimBody = z.strictObject({ userCode: z.string().min(1).max(16) });
/** `POST /v1/me/authorization-requests/{requestId}/decision`. */
export const decisionBody = z.strictObject({ decision: z.enum(['approve', 'deny']), proof: jws });
/** Request ids and client ids are UUIDs. */
export const idParameter = z.uuid();
