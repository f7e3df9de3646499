import type { ClaimName, IdentityRecord } from './claims.ts';
import type { PublicJwk, RelyingParty } from './relying-party.ts';

/**
 * What the Sign in with xID use cases need from the world, owned here. Adapters in `functions/adapters/`
 * satisfy these; the unit tests give in-memory ones.
 */

/** An authorization request between `GET /oauth2/authorize` and the relying party's code exchange. */
export interface AuthorizationRequest {
  requestId: string;
  clientId: string;
  clientName: string;
  redirectUri: string;
  /** The relying party's `state`, returned unchanged. */
  state: string;
  nonce: string;
  codeChallenge: string;
  claims: ClaimName[];
  userCode: string;
  locale: 'ja' | 'en';
  /** SHA-256 of the secret in the cookie of the browser that started the request. */
  browserHash: string;
  createdAt: Date;
  /** When a pending request expires (5 minutes). */
  expiresAt: Date;
  status: 'pending' | 'approved' | 'denied';
  /** The accounts the request was addressed to: by a login hint, or by claiming its user code. */
  addressedTo: string[];
  /** Login hints sent for it so far. */
  hints: number;
  decision?: { accountId: string; at: Date; sub?: string; grantId?: string };
  /** Set when the browser continued to the relying party with a code: at most once. */
  codeIssuedAt?: Date;
}

/** An authorization code, stored by the hash of the code. */
export interface AuthorizationCode {
  codeHash: string;
  requestId: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string;
  accountId: string;
  sub: string;
  grantId: string;
  claims: ClaimName[];
  authTime: Date;
  expiresAt: Date;
  usedAt?: Date;
  /** The access token issued when the code was redeemed, revoked if the code comes back. */
  accessTokenId?: string;
}

/** What the resident gave a relying party: kept until revoked; a new `grantId` after each revocation. */
export interface Grant {
  accountId: string;
  clientId: string;
  clientName: string;
  claims: ClaimName[];
  grantId: string;
  firstAuthorizedAt: Date;
  lastAuthorizedAt: Date;
}

/** The server-side record of an access token for userinfo; deleting it revokes the token. */
export interface AccessTokenRecord {
  tokenId: string;
  accountId: string;
  clientId: string;
  grantId: string;
  sub: string;
  claims: ClaimName[];
  expiresAt: Date;
}

/** An account as Sign in with xID sees it. */
export interface AccountView {
  accountId: string;
  status: string;
  authKey?: { kty: string; crv: string; x: string; y: string };
}

/** An entry of the resident's activity (design.md §3.11), written with the release it records. */
export interface ActivityEntry {
  type: 'authorized';
  at: Date;
  detail: { clientId: string; clientName: string; claims: ClaimName[] };
}

export interface Clock {
  now(): Date;
}

export interface Randomness {
  /** A new request id (UUID). */
  newId(): string;
  /** 32 random bytes, base64url: authorization codes, browser secrets. */
  newSecret(): string;
  /** A new user code, `XXXX-XXXX`. */
  newUserCode(): string;
}

export interface RelyingParties {
  relyingParty(clientId: string): Promise<RelyingParty | undefined>;
}

export interface RequestStore {
  /** Stores a new request and its user code; false when the user code is taken (draw another). */
  createRequest(request: AuthorizationRequest): Promise<boolean>;
  request(requestId: string): Promise<AuthorizationRequest | undefined>;
  requestIdOfUserCode(userCode: string): Promise<string | undefined>;
  /** Counts one login hint, unless the request has had `max` already; false then. */
  countHint(requestId: string, max: number): Promise<boolean>;
  /** Addresses a pending request to an account (it then appears in the account's list). */
  address(request: AuthorizationRequest, accountId: string): Promise<void>;
  /** The pending requests addressed to an account. */
  pendingFor(accountId: string, now: Date): Promise<AuthorizationRequest[]>;
  /**
   * The resident's decision, in one transaction: the request leaves `pending` (only if it still is and has
   * not expired; false otherwise), and for an approval the grant is written and the activity appended.
   */
  recordDecision(
    request: AuthorizationRequest,
    decision:
      | { kind: 'deny'; accountId: string; at: Date }
      | { kind: 'approve'; accountId: string; at: Date; sub: string; grant: Grant; activity: ActivityEntry },
  ): Promise<boolean>;
  /** Marks the code issued and stores it, in one transaction; false when a code was issued before. */
  issueCode(request: AuthorizationRequest, code: AuthorizationCode): Promise<boolean>;
}

export interface CodeStore {
  code(codeHash: string): Promise<AuthorizationCode | undefined>;
  /**
   * Redeems a code once, in one transaction with the access token's record: false when it was used (or
   * expired) meanwhile.
   */
  redeem(code: AuthorizationCode, token: AccessTokenRecord, now: Date): Promise<boolean>;
}

export interface TokenStore {
  accessToken(tokenId: string): Promise<AccessTokenRecord | undefined>;
  revokeAccessToken(tokenId: string): Promise<void>;
}

export interface GrantStore {
  grant(accountId: string, clientId: string): Promise<Grant | undefined>;
  grants(accountId: string): Promise<Grant[]>;
  /** Deletes the grant; false when there was none. */
  revokeGrant(accountId: string, clientId: string): Promise<boolean>;
}

export interface Accounts {
  account(accountId: string): Promise<AccountView | undefined>;
  /** The account's items as claims are made from them; `sealed` opens gender, birth date and address. */
  identity(accountId: string, sealed: boolean): Promise<IdentityRecord | undefined>;
  /** The accounts whose verified e-mail address this is (normalised). */
  accountsWithEmail(address: string): Promise<string[]>;
}

export interface Limits {
  /** Counts one use of `key` in a window of `windowSeconds`; false past `max`. */
  take(key: string, max: number, windowSeconds: number, now: Date): Promise<boolean>;
}

export interface Push {
  /** A push to the account's own device, if it has a working one; best effort. */
  pushToAccount(
    accountId: string,
    message: { title: string; body: string; requestId: string },
  ): Promise<void>;
}

export interface Signer {
  /** A JWS (ES256, `kid` of the token key) over the claims, with the given `typ`. */
  signJwt(typ: 'JWT' | 'at+jwt', claims: Record<string, unknown>): Promise<string>;
  /** Verifies an access token issued here; throws on anything wrong. */
  verifyAccessToken(
    token: string,
    expected: { issuer: string; audience: string },
  ): Promise<{ jti: string; sub: string }>;
}

export interface PairwiseSubjects {
  /** `sub` for the sector: an HMAC under a key that never leaves KMS, over the sector and the account. */
  pairwiseSubject(sector: string, accountId: string): Promise<string>;
}

export interface ClientKeys {
  /** The keys at a client's JWKS URI; `fresh` skips the cache (a key may have been rotated). */
  keysAt(jwksUri: string, fresh: boolean): Promise<PublicJwk[]>;
  /** Remembers a client assertion's `jti` until it expires; false when it was seen before. */
  consumeAssertion(clientId: string, jti: string, expiresAt: Date): Promise<boolean>;
}

export interface RelyingPartyStore extends RelyingParties {
  saveRelyingParty(client: RelyingParty, mode: 'create' | 'replace'): Promise<void>;
  relyingParties(): Promise<RelyingParty[]>;
  removeRelyingParty(clientId: string): Promise<boolean>;
}

/** Everything the authorization flow (pages, app, token and userinfo endpoints) uses. */
export type OidcPorts = Clock &
  Randomness &
  RelyingParties &
  RequestStore &
  CodeStore &
  TokenStore &
  GrantStore &
  Accounts &
  Limits &
  Push &
  Signer &
  PairwiseSubjects &
  ClientKeys;

/** What onboarding relying parties (`npm run client`) needs. */
export interface OnboardingPorts extends RelyingPartyStore {
  newId(): string;
  now(): Date;
  /** Whether http redirect and JWKS URIs on a loopback host are allowed (development stages only). */
  allowLoopback: boolean;
}
