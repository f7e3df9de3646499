import { z } from 'zod';

const jws = z
  .string()
  .max(2048)
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'must be a compact JWS');

export const activationBody = z.strictObject({ authProof: jws, signProof: jws });
export const sessionChallengeBody = z.strictObject({ accountId: z.uuid() });
export const sessionBody = z.strictObject({ challengeId: z.uuid(), proof: jws });
export const accountIdParameter = z.uuid();
