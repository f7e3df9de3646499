import * as z from 'zod';
import { certificateField, signatureField } from '../registration/schemas.ts';
import { base64url, compactJws, municipalityRef } from '../shared/schemas.ts';
import { challengeId } from '../step-up/schemas.ts';

/** `POST /v1/me/reverification` (design.md §3.8): the statement, signed by the card and by the sign key. */
export const reverificationStatement = z
  .strictObject({
    type: z.literal('xid/reverification/v1'),
    accountId: z.uuid(),
    challengeId,
    nonce: base64url.min(16).max(128),
  })
  .describe(
    'What the new card signs at re-verification (the SHA-256 DigestInfo of the JCS bytes, as at registration) and, as a step-up proof, the sign device key (PIN2): the challenge of POST /v1/me/challenges, for this account.',
  );

export const reverificationBody = z.strictObject({
  statement: reverificationStatement,
  certificate: certificateField,
  signature: signatureField,
  signProof: compactJws.describe(
    'A JWS (ES256, compact) by the sign device key (PIN2) whose payload is the JCS of the statement itself.',
  ),
});

export type ReverificationBody = z.infer<typeof reverificationBody>;

export const reverificationResponse = z.strictObject({
  accountId: z.uuid(),
  status: z.literal('active'),
  municipality: municipalityRef,
  previousMunicipality: municipalityRef.nullable(),
  noticeSubscription: z.enum(['moved', 'ended', 'unchanged', 'none']),
});

export type ReverificationResponse = z.infer<typeof reverificationResponse>;
