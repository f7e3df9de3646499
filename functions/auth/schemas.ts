import * as z from 'zod';
import { base64url, compactJws, instant, serverNonce } from '../shared/schemas.ts';

const proof = (payload: string) =>
  compactJws.describe(`A JWS (ES256, compact) whose payload is the JCS (RFC 8785) of a ${payload}.`);

export const activationBody = z.strictObject({
  authProof: proof('ActivationProofPayload with key "auth", signed by the auth device key (PIN1)'),
  signProof: proof('ActivationProofPayload with key "sign", signed by the sign device key (PIN2)'),
});
export const sessionChallengeBody = z.strictObject({ accountId: z.uuid() });
export const sessionBody = z.strictObject({
  challengeId: z.uuid(),
  proof: proof('SessionProofPayload, signed by the auth device key (PIN1)'),
});
export const accountIdParameter = z.uuid();

/**
 * What the device keys sign at activation (guide step 6): the server rebuilds this object from its own
 * state (the account and its activation nonce) and compares the JCS bytes.
 */
export const activationProofPayload = z
  .strictObject({
    type: z.literal('xid/activation/v1'),
    accountId: z.uuid(),
    nonce: serverNonce,
    key: z.enum(['auth', 'sign']),
  })
  .describe('The payload of an activation proof: signed once by each device key, over the activation nonce.');

/** What the auth device key signs at a later login, over the session challenge's nonce. */
export const sessionProofPayload = z
  .strictObject({ type: z.literal('xid/session/v1'), accountId: z.uuid(), nonce: serverNonce })
  .describe(
    'The payload of a session proof: signed by the auth device key over the session challenge nonce.',
  );

export type ActivationProofPayload = z.infer<typeof activationProofPayload>;
export type SessionProofPayload = z.infer<typeof sessionProofPayload>;

/** Activation and login → an access token (JWT, ES256, 15 minutes). */
export const tokenResponse = z.strictObject({
  accountId: z.uuid(),
  accessToken: compactJws,
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().positive(),
});

/** `POST /v1/sessions/challenges` → 201. */
export const sessionChallengeResponse = z.strictObject({
  challengeId: z.uuid(),
  nonce: serverNonce,
  expiresAt: instant,
});

/** `GET /.well-known/jwks.json`: the public keys that tokens may name, the signing one first. */
export const jwksResponse = z.strictObject({
  keys: z.array(
    z.strictObject({
      kty: z.literal('EC'),
      crv: z.literal('P-256'),
      x: base64url.length(43),
      y: base64url.length(43),
      kid: base64url,
      use: z.literal('sig'),
      alg: z.literal('ES256'),
    }),
  ),
});

export type TokenResponse = z.infer<typeof tokenResponse>;
export type SessionChallengeResponse = z.infer<typeof sessionChallengeResponse>;
export type JwksResponse = z.infer<typeof jwksResponse>;

/** The token-keys custom resource's properties: a new `Rotation` label rotates the signing key. */
export const tokenKeysProperties = z.object({ Rotation: z.string().min(1).max(64) });
