import { createHash } from 'node:crypto';

/**
 * The single table's item keys (design.md §6), in one place. Long-lived items hang under the account;
 * short-lived ones (used challenges, activation nonces) carry `expiresAt` for TTL and are checked on read too.
 */
const emailIndexOf = (address: string) =>
  `EMAILIDX#${createHash('sha256').update(address.toLowerCase(), 'utf8').digest('hex')}`;

export const KEYS = {
  /** A challenge that was used (challenges themselves are stateless); kept with TTL until it expires. */
  usedChallenge: (challengeId: string) => ({ pk: `CHALLENGE#${challengeId}`, sk: 'USED' }),
  account: (accountId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: 'PROFILE' }),
  consent: (accountId: string, kind: string) => ({ pk: `ACCOUNT#${accountId}`, sk: `CONSENT#${kind}` }),
  deviceKey: (accountId: string, key: 'auth' | 'sign') => ({
    pk: `ACCOUNT#${accountId}`,
    sk: `DEVICEKEY#${key}`,
  }),
  activation: (accountId: string) => ({ pk: `ACTIVATION#${accountId}`, sk: 'NONCE' }),
  /** A step-up challenge (design.md §3.6), for one account. */
  stepUpChallenge: (challengeId: string) => ({ pk: `STEPUP#${challengeId}`, sk: 'CHALLENGE' }),
  /** An e-mail confirmation link, by the SHA-256 of its token (the token itself is never stored). */
  emailToken: (tokenSha256: string) => ({ pk: `EMAILTOKEN#${tokenSha256}`, sk: 'TOKEN' }),
  /** A sending quota (quota-store.ts): of an account, or of a recipient by the SHA-256 of the address. */
  quota: (kind: 'account' | 'recipient', key: string) => ({ pk: `QUOTA#mail-${kind}#${key}`, sk: 'SLOTS' }),
  /** An onboarded municipality: its ingest topic and publisher. */
  municipality: (code: string) => ({ pk: `MUNICIPALITY#${code}`, sk: 'PROFILE' }),
  /** Idempotency of notices: one item per (municipality, noticeId), with `pushedAt` once pushed. */
  noticeId: (code: string, noticeId: string) => ({ pk: `NOTICEID#${code}#${noticeId}`, sk: 'ID' }),
  /**
   * Notices of a municipality in the order they were received (ties by id), newest last in key order
   * (queried backwards). Never by the `publishedAt` a publisher claims: a date far ahead cannot pin a notice.
   */
  notice: (code: string, receivedAt: string, noticeId: string) => ({
    pk: `NOTICES#${code}`,
    sk: `${receivedAt}#${noticeId}`,
  }),
  noticesOf: (code: string) => `NOTICES#${code}`,
  /** Receipts of a municipality's messages, newest last in key order; kept `RECEIPT_DAYS` (TTL). */
  receipt: (code: string, at: string, messageId: string) => ({
    pk: `RECEIPTS#${code}`,
    sk: `${at}#${messageId}`,
  }),
  receiptsOf: (code: string) => `RECEIPTS#${code}`,
  /** The resident's push device (one per account) and notice subscription. */
  device: (accountId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: 'DEVICE' }),
  subscription: (accountId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: 'SUBSCRIPTION#notices' }),
  /** One entry of the account's activity log, by its `seq` (zero-padded so that key order is seq order). */
  activity: (accountId: string, seq: number) => ({
    pk: `ACCOUNT#${accountId}`,
    sk: `ACTIVITY#${String(seq).padStart(12, '0')}`,
  }),
  activityPrefix: 'ACTIVITY#',
  /** Which account a platform endpoint belongs to, for the endpoint events SNS reports. */
  endpoint: (endpointArn: string) => ({ pk: `ENDPOINT#${endpointArn}`, sk: 'OWNER' }),
  /** The token-signing key set (`auth/token-key-set.ts`): public keys and KMS-wrapped private keys. */
  tokenKeys: () => ({ pk: 'TOKENKEYS', sk: 'SET' }),
  /** One account per certificate: issuer (SHA-256 of its Name) and serial. */
  certificate: (issuerSha256: string, serial: string) => ({
    pk: `CERT#${issuerSha256}#${serial}`,
    sk: 'CERT',
  }),
  /**
   * The status check's record of one CRL (design.md §3.7): the digest of the serials it saw, and those
   * serials in chunks named by that digest (so that runs writing the same set write the same items).
   */
  crlState: (crlId: string) => ({ pk: `CRLSTATE#${crlId}`, sk: 'HEAD' }),
  crlSerials: (crlId: string, digest: string, index: number) => ({
    pk: `CRLSTATE#${crlId}`,
    sk: `SERIALS#${digest}#${String(index).padStart(4, '0')}`,
  }),
  crlSerialsPrefix: (digest: string) => `SERIALS#${digest}#`,
  /** Sign in with xID (design.md §3.13): an onboarded relying party. */
  relyingParty: (clientId: string) => ({ pk: `CLIENT#${clientId}`, sk: 'PROFILE' }),
  /** An authorization request, from authorize to the code exchange. */
  authRequest: (requestId: string) => ({ pk: `AUTHREQ#${requestId}`, sk: 'REQUEST' }),
  /** A live user code → its request; the conditional put keeps codes unique. */
  userCode: (userCode: string) => ({ pk: `USERCODE#${userCode}`, sk: 'CODE' }),
  /** A request addressed to an account (by login hint or user code), listed by the app. */
  addressedRequest: (accountId: string, requestId: string) => ({
    pk: `ACCOUNT#${accountId}`,
    sk: `AUTHREQ#${requestId}`,
  }),
  addressedRequestPrefix: 'AUTHREQ#',
  /** An authorization code, by the SHA-256 of the code (the code itself is never stored). */
  authCode: (codeHash: string) => ({ pk: `AUTHCODE#${codeHash}`, sk: 'CODE' }),
  /** The server-side record of an access token for userinfo; deleting it revokes the token. */
  accessToken: (tokenId: string) => ({ pk: `OIDCTOKEN#${tokenId}`, sk: 'TOKEN' }),
  /** What the resident gave a relying party. */
  grant: (accountId: string, clientId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: `GRANT#${clientId}` }),
  grantPrefix: 'GRANT#',
  /** A client assertion's `jti`, remembered until the assertion expires (single use). */
  assertion: (clientId: string, jti: string) => ({ pk: `ASSERTION#${clientId}#${jti}`, sk: 'JTI' }),
  /** A counter of uses in a window (login hints per address, user-code claims per account). */
  limit: (key: string) => ({ pk: `LIMIT#${key}`, sk: 'COUNT' }),
  /** The accounts that verified an e-mail address, by the SHA-256 of the lower-cased address. */
  emailIndex: (address: string, accountId: string) => ({
    pk: emailIndexOf(address),
    sk: `ACCOUNT#${accountId}`,
  }),
  emailIndexOf: (address: string) => emailIndexOf(address),
} as const;

/** How long receipts are kept for `npm run municipality -- receipts`. */
export const RECEIPT_DAYS = 90;

/** Epoch seconds, as DynamoDB TTL wants them. */
export const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);
