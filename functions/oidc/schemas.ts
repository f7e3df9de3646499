import * as z from 'zod';
import { compactJws, instant, municipalityCode } from '../shared/schemas.ts';
import { CLAIMS } from './claims.ts';

/**
 * Requests and answers of Sign in with xID (design.md §3.13): the JSON bodies the app and the request page
 * send, the JSON answers, and the OAuth and OpenID Connect documents, for the handlers and the contract.
 */
const claimName = z.enum(CLAIMS);
/** Claims in their fixed order (`name`, `gender`, `birthdate`, `address`, `email`, `email_verified`, `municipality_code`). */
const claimList = z.array(claimName);
const userCode = z.string().regex(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);

/** Request ids and client ids are UUIDs. */
export const idParameter = z.uuid();

/** `POST /oauth2/requests/{requestId}/login-hint`. */
export const loginHintBody = z.strictObject({ email: z.string().min(1).max(320) });
export const loginHintResponse = z.strictObject({ requestId: z.uuid(), expiresAt: instant });

/** `GET /oauth2/requests/{requestId}/status`. */
export const requestStatusResponse = z.strictObject({
  state: z.enum(['pending', 'approved', 'denied', 'expired']),
});

/** A sign-in request as the app lists it; its `claims` are what the decision proof signs. */
export const authorizationRequestSummary = z.strictObject({
  requestId: z.uuid(),
  clientId: z.uuid(),
  clientName: z.string().min(1),
  claims: claimList,
  userCode,
  expiresAt: instant,
});
export const authorizationRequestList = z.strictObject({ items: z.array(authorizationRequestSummary) });

/** `POST /v1/me/authorization-requests/claim`. */
export const claimBody = z.strictObject({ userCode: z.string().min(1).max(16) });

/** `POST /v1/me/authorization-requests/{requestId}/decision`. */
export const decisionBody = z.strictObject({
  decision: z.enum(['approve', 'deny']),
  proof: compactJws.max(4096),
});
export const decisionResponse = z.strictObject({
  requestId: z.uuid(),
  state: z.enum(['approved', 'denied']),
});

/** What the auth key signs for a decision (JCS, JWS ES256). */
export const authorizationProofPayload = z.strictObject({
  type: z.literal('xid/authorization/v1'),
  accountId: z.uuid(),
  requestId: z.uuid(),
  clientId: z.uuid(),
  claims: claimList,
  decision: z.enum(['approve', 'deny']),
});

/** `GET /v1/me/authorizations`. */
export const authorizationList = z.strictObject({
  items: z.array(
    z.strictObject({
      clientId: z.uuid(),
      clientName: z.string().min(1),
      claims: claimList,
      firstAuthorizedAt: instant,
      lastAuthorizedAt: instant,
    }),
  ),
});

/** `GET /.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §3). */
export const discoveryResponse = z.strictObject({
  issuer: z.url(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  userinfo_endpoint: z.url(),
  jwks_uri: z.url(),
  scopes_supported: z.array(z.string()),
  response_types_supported: z.array(z.literal('code')),
  response_modes_supported: z.array(z.literal('query')),
  grant_types_supported: z.array(z.literal('authorization_code')),
  subject_types_supported: z.array(z.literal('pairwise')),
  id_token_signing_alg_values_supported: z.array(z.literal('ES256')),
  token_endpoint_auth_methods_supported: z.array(z.literal('private_key_jwt')),
  token_endpoint_auth_signing_alg_values_supported: z.array(z.enum(['ES256', 'PS256', 'RS256'])),
  code_challenge_methods_supported: z.array(z.literal('S256')),
  claims_supported: z.array(z.string()),
  claims_parameter_supported: z.boolean(),
  request_parameter_supported: z.boolean(),
  request_uri_parameter_supported: z.boolean(),
  require_request_uri_registration: z.boolean(),
  authorization_response_iss_parameter_supported: z.boolean(),
  ui_locales_supported: z.array(z.enum(['ja', 'en'])),
  claim_types_supported: z.array(z.literal('normal')),
});

/** `POST /oauth2/token` → 200. */
export const tokenEndpointResponse = z.strictObject({
  access_token: compactJws,
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().positive(),
  id_token: compactJws,
  scope: z.literal('openid'),
});

/** The released claims, as in the ID token and at userinfo; only those approved are present. */
export const userinfoResponse = z.strictObject({
  sub: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  name: z.string().optional(),
  gender: z.enum(['male', 'female', 'unknown']).optional(),
  birthdate: z.string().optional(),
  address: z.strictObject({ formatted: z.string(), region: z.string(), locality: z.string() }).optional(),
  email: z.string().optional(),
  email_verified: z.boolean().optional(),
  municipality_code: municipalityCode.optional(),
});

/** An error of the token endpoint (RFC 6749 §5.2) or of userinfo (RFC 6750 §3). */
export const oauthErrorResponse = z.strictObject({
  error: z.enum([
    'invalid_request',
    'invalid_client',
    'invalid_grant',
    'unauthorized_client',
    'unsupported_grant_type',
    'invalid_token',
  ]),
  error_description: z.string(),
});

/** The query of `GET /oauth2/authorize` (OIDC Core §3.1.2.1); every value is checked by the use case. */
export const authorizeQuery: Record<string, z.ZodType> = {
  response_type: z.string().describe('`code`'),
  client_id: z.string().describe('The client id given at onboarding'),
  redirect_uri: z.string().describe('Exactly one of the registered redirect URIs'),
  scope: z.string().describe('`openid`, and `profile`, `email`, `address`, `municipality` as needed'),
  state: z.string().describe('Required; returned unchanged'),
  nonce: z.string().describe('Required; returned in the ID token'),
  code_challenge: z.string().describe('BASE64URL(SHA-256(code_verifier)), 43 characters'),
  code_challenge_method: z.string().describe('`S256`'),
  claims: z.string().describe('Optional: the OIDC `claims` request parameter (JSON)'),
  login_hint: z.string().describe("Optional: the resident's registered e-mail address"),
  ui_locales: z.string().describe('Optional: `ja` or `en`'),
  max_age: z.string().describe('Optional; every sign-in is a fresh approval'),
  prompt: z.string().describe('Optional; `none` cannot be met (`login_required`)'),
};
