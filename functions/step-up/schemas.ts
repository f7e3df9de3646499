import * as z from 'zod';

/** `POST /v1/me/challenges` takes no body, or an empty object. */
export const stepUpChallengeBody = z.strictObject({}).optional();

/** `201` of `POST /v1/me/challenges`. */
/** A challenge id: opaque to the app (a UUID today); letters, digits, `-` and `_`. */
export const challengeId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'not a challenge id');

export const stepUpChallengeResponse = z.strictObject({
  challengeId,
  nonce: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  expiresAt: z.iso.datetime(),
});

export type StepUpChallengeResponse = z.infer<typeof stepUpChallengeResponse>;
