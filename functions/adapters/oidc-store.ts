import type { SealedField } from '../account/model.ts';
import type { ClaimName, IdentityRecord } from '../oidc/claims.ts';
import type {
  AccessTokenRecord,
  Accounts,
  AuthorizationCode,
  AuthorizationRequest,
  ClientKeys,
  CodeStore,
  Grant,
  GrantStore,
  Limits,
  RelyingPartyStore,
  RequestStore,
  TokenStore,
} from '../oidc/ports.ts';
import type { RelyingParty } from '../oidc/relying-party.ts';
import { ACCESS_TOKEN_TTL_SECONDS, CODE_TTL_SECONDS, CONTINUE_WINDOW_SECONDS } from '../oidc/use-cases.ts';
import { transactWithActivity } from './activity-log.ts';
import {
  BatchGetCommand,
  DeleteCommand,
  documentClient,
  everyItem,
  PutCommand,
  UpdateCommand,
} from './dynamo-client.ts';
import { isConditionFailure } from './dynamo-errors.ts';
import { table } from './table.ts';
import { epochSeconds, KEYS } from './table-keys.ts';

/**
 * DynamoDB side of Sign in with xID: relying parties, authorization requests and their user codes, codes,
 * access-token records, grants, assertion `jti`s, counters, and the account items the claims are made from.
 * Every single-use thing is consumed by a conditional write; every short-lived item carries `expiresAt`
 * (epoch seconds) for TTL, later than the moment it stops being valid, which readers check themselves.
 */

/** Runs a conditional write: false when its condition (in a transaction: item `index`'s) did not hold. */
async function held(write: () => Promise<unknown>, index?: number): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionFailure(error, index)) return false;
    throw error;
  }
}

const date = (value: unknown) => new Date(String(value));
const iso = (value: Date) => value.toISOString();

interface StoredRequest extends Record<string, unknown> {
  requestId: string;
  addressedTo?: Set<string>;
}

function toRequest(item: Record<string, unknown>): AuthorizationRequest {
  const decision = item.decision as
    | { accountId: string; at: string; sub?: string; grantId?: string }
    | undefined;
  return {
    requestId: String(item.requestId),
    clientId: String(item.clientId),
    clientName: String(item.clientName),
    redirectUri: String(item.redirectUri),
    state: String(item.oauthState),
    nonce: String(item.nonce),
    codeChallenge: String(item.codeChallenge),
    claims: item.claims as ClaimName[],
    userCode: String(item.userCode),
    locale: item.locale === 'en' ? 'en' : 'ja',
    browserHash: String(item.browserHash),
    createdAt: date(item.createdAt),
    expiresAt: date(item.requestExpiresAt),
    status: item.status as AuthorizationRequest['status'],
    addressedTo: [...((item as StoredRequest).addressedTo ?? [])],
    hints: Number(item.hints ?? 0),
    ...(decision ? { decision: { ...decision, at: date(decision.at) } } : {}),
    ...(item.codeIssuedAt ? { codeIssuedAt: date(item.codeIssuedAt) } : {}),
  };
}

function toCode(item: Record<string, unknown>): AuthorizationCode {
  return {
    codeHash: String(item.codeHash),
    requestId: String(item.requestId),
    clientId: String(item.clientId),
    redirectUri: String(item.redirectUri),
    codeChallenge: String(item.codeChallenge),
    nonce: String(item.nonce),
    accountId: String(item.accountId),
    sub: String(item.sub),
    grantId: String(item.grantId),
    claims: item.claims as ClaimName[],
    authTime: date(item.authTime),
    expiresAt: date(item.codeExpiresAt),
    ...(item.usedAt ? { usedAt: date(item.usedAt) } : {}),
    ...(item.accessTokenId ? { accessTokenId: String(item.accessTokenId) } : {}),
  };
}

function toGrant(item: Record<string, unknown>): Grant {
  return {
    accountId: String(item.accountId),
    clientId: String(item.clientId),
    clientName: String(item.clientName),
    claims: item.claims as ClaimName[],
    grantId: String(item.grantId),
    firstAuthorizedAt: date(item.firstAuthorizedAt),
    lastAuthorizedAt: date(item.lastAuthorizedAt),
  };
}

/** The account item as far as claims need it. */
interface AccountItem {
  accountId: string;
  status: string;
  name: string;
  sealed: Record<string, SealedField>;
  wrappedDataKey: string;
  municipality: IdentityRecord['municipality'];
  email?: { address: string; verified: boolean };
}

/** The relying parties alone: what the onboarding command needs. */
export function relyingPartyStore(tableName: string) {
  const db = table(tableName);
  const { get } = db;
  return {
    async relyingParty(clientId: string): Promise<RelyingParty | undefined> {
      const item = await get(KEYS.relyingParty(clientId));
      return item ? (item.client as RelyingParty) : undefined;
    },
    async saveRelyingParty(client: RelyingParty, mode: 'create' | 'replace'): Promise<void> {
      await documentClient.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...KEYS.relyingParty(client.clientId), client },
          ConditionExpression: mode === 'create' ? 'attribute_not_exists(pk)' : 'attribute_exists(pk)',
        }),
      );
    },
    /** For the onboarding command only: a scan of the client items. */
    async relyingParties(): Promise<RelyingParty[]> {
      const items = await everyItem(
        {
          TableName: tableName,
          FilterExpression: 'begins_with(pk, :p)',
          ExpressionAttributeValues: { ':p': 'CLIENT#' },
        },
        true,
      );
      return items.map((item) => item.client as RelyingParty);
    },
    async removeRelyingParty(clientId: string): Promise<boolean> {
      return held(() =>
        documentClient.send(
          new DeleteCommand({
            TableName: tableName,
            Key: KEYS.relyingParty(clientId),
            ConditionExpression: 'attribute_exists(pk)',
          }),
        ),
      );
    },
  } satisfies RelyingPartyStore;
}

export function oidcStore(
  tableName: string,
  envelope: {
    openFields(
      accountId: string,
      wrappedDataKey: string,
      sealed: Record<string, SealedField>,
    ): Promise<Record<string, string>>;
  },
) {
  const db = table(tableName);
  const { get } = db;
  const query = (pk: string, prefix: string, now?: Date) =>
    everyItem({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ...(now ? { FilterExpression: 'expiresAt > :now' } : {}),
      ExpressionAttributeValues: {
        ':pk': pk,
        ':prefix': prefix,
        ...(now ? { ':now': epochSeconds(now) } : {}),
      },
      ConsistentRead: true,
    });

  const relyingParties = relyingPartyStore(tableName);

  const requests = {
    async createRequest(request: AuthorizationRequest): Promise<boolean> {
      const ttl = epochSeconds(request.expiresAt) + CONTINUE_WINDOW_SECONDS + 600;
      return held(
        () =>
          db.transact([
            {
              Put: {
                Item: {
                  ...KEYS.userCode(request.userCode),
                  requestId: request.requestId,
                  expiresAt: epochSeconds(request.expiresAt),
                },
                // A user code whose request has expired may be drawn again.
                ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
                ExpressionAttributeValues: { ':now': epochSeconds(request.createdAt) },
              },
            },
            {
              Put: {
                Item: {
                  ...KEYS.authRequest(request.requestId),
                  requestId: request.requestId,
                  clientId: request.clientId,
                  clientName: request.clientName,
                  redirectUri: request.redirectUri,
                  oauthState: request.state,
                  nonce: request.nonce,
                  codeChallenge: request.codeChallenge,
                  claims: request.claims,
                  userCode: request.userCode,
                  locale: request.locale,
                  browserHash: request.browserHash,
                  createdAt: iso(request.createdAt),
                  requestExpiresAt: iso(request.expiresAt),
                  status: request.status,
                  hints: 0,
                  expiresAt: ttl,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ]),
        0,
      );
    },

    async request(requestId: string): Promise<AuthorizationRequest | undefined> {
      const item = await get(KEYS.authRequest(requestId));
      return item ? toRequest(item) : undefined;
    },

    async requestIdOfUserCode(userCode: string): Promise<string | undefined> {
      const item = await get(KEYS.userCode(userCode));
      return item ? String(item.requestId) : undefined;
    },

    async countHint(requestId: string, max: number): Promise<boolean> {
      return held(() =>
        documentClient.send(
          new UpdateCommand({
            TableName: tableName,
            Key: KEYS.authRequest(requestId),
            UpdateExpression: 'ADD hints :one',
            ConditionExpression: 'attribute_exists(pk) AND hints < :max',
            ExpressionAttributeValues: { ':one': 1, ':max': max },
          }),
        ),
      );
    },

    async address(request: AuthorizationRequest, accountId: string): Promise<void> {
      await db.transact([
        {
          Update: {
            Key: KEYS.authRequest(request.requestId),
            UpdateExpression: 'ADD addressedTo :account',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':account': new Set([accountId]) },
          },
        },
        {
          Put: {
            Item: {
              ...KEYS.addressedRequest(accountId, request.requestId),
              requestId: request.requestId,
              expiresAt: epochSeconds(request.expiresAt),
            },
          },
        },
      ]);
    },

    async pendingFor(accountId: string, now: Date): Promise<AuthorizationRequest[]> {
      const pointers = await query(`ACCOUNT#${accountId}`, KEYS.addressedRequestPrefix, now);
      const keys = pointers.slice(0, 100).map((p) => KEYS.authRequest(String(p.requestId)));
      if (keys.length === 0) return [];
      const { Responses } = await documentClient.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }),
      );
      return (Responses?.[tableName] ?? [])
        .map(toRequest)
        .filter((r) => r.status === 'pending' && r.addressedTo.includes(accountId))
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    },

    async recordDecision(
      request: AuthorizationRequest,
      decision: Parameters<RequestStore['recordDecision']>[1],
    ): Promise<boolean> {
      const requestUpdate = {
        Update: {
          Key: KEYS.authRequest(request.requestId),
          UpdateExpression: 'SET #status = :status, decision = :decision',
          ConditionExpression: '#status = :pending AND requestExpiresAt > :at',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': decision.kind === 'approve' ? 'approved' : 'denied',
            ':pending': 'pending',
            ':at': iso(decision.at),
            ':decision': {
              accountId: decision.accountId,
              at: iso(decision.at),
              ...(decision.kind === 'approve' ? { sub: decision.sub, grantId: decision.grant.grantId } : {}),
            },
          },
        },
      };
      if (decision.kind === 'deny') {
        return held(() => db.transact([requestUpdate]), 0);
      }
      const { grant, activity } = decision;
      try {
        // The entry and the grant commit with the request's new state (a moved head is retried there).
        await transactWithActivity(db, decision.accountId, activity, (append) => [
          requestUpdate,
          {
            Put: {
              Item: {
                ...KEYS.grant(grant.accountId, grant.clientId),
                accountId: grant.accountId,
                clientId: grant.clientId,
                clientName: grant.clientName,
                claims: grant.claims,
                grantId: grant.grantId,
                firstAuthorizedAt: iso(grant.firstAuthorizedAt),
                lastAuthorizedAt: iso(grant.lastAuthorizedAt),
              },
            },
          },
          append.put,
          append.update,
        ]);
        return true;
      } catch (error) {
        if (isConditionFailure(error, 0)) return false;
        throw error;
      }
    },

    async issueCode(request: AuthorizationRequest, code: AuthorizationCode): Promise<boolean> {
      return held(
        () =>
          db.transact([
            {
              Update: {
                Key: KEYS.authRequest(request.requestId),
                UpdateExpression: 'SET codeIssuedAt = :at',
                ConditionExpression: '#status = :approved AND attribute_not_exists(codeIssuedAt)',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':approved': 'approved',
                  ':at': iso(new Date(code.expiresAt.getTime() - CODE_TTL_SECONDS * 1000)),
                },
              },
            },
            {
              Put: {
                Item: {
                  ...KEYS.authCode(code.codeHash),
                  codeHash: code.codeHash,
                  requestId: code.requestId,
                  clientId: code.clientId,
                  redirectUri: code.redirectUri,
                  codeChallenge: code.codeChallenge,
                  nonce: code.nonce,
                  accountId: code.accountId,
                  sub: code.sub,
                  grantId: code.grantId,
                  claims: code.claims,
                  authTime: iso(code.authTime),
                  codeExpiresAt: iso(code.expiresAt),
                  // Kept as long as a token issued for it lives, so that a replay can still revoke it.
                  expiresAt: epochSeconds(code.expiresAt) + ACCESS_TOKEN_TTL_SECONDS + 60,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ]),
        0,
      );
    },
  } satisfies RequestStore;

  const codes = {
    async code(codeHash: string): Promise<AuthorizationCode | undefined> {
      const item = await get(KEYS.authCode(codeHash));
      return item ? toCode(item) : undefined;
    },

    async redeem(code: AuthorizationCode, token: AccessTokenRecord, now: Date): Promise<boolean> {
      return held(
        () =>
          db.transact([
            {
              Update: {
                Key: KEYS.authCode(code.codeHash),
                UpdateExpression: 'SET usedAt = :now, accessTokenId = :token',
                ConditionExpression: 'attribute_not_exists(usedAt) AND codeExpiresAt > :now',
                ExpressionAttributeValues: { ':now': iso(now), ':token': token.tokenId },
              },
            },
            {
              Put: {
                Item: {
                  ...KEYS.accessToken(token.tokenId),
                  tokenId: token.tokenId,
                  accountId: token.accountId,
                  clientId: token.clientId,
                  grantId: token.grantId,
                  sub: token.sub,
                  claims: token.claims,
                  tokenExpiresAt: iso(token.expiresAt),
                  expiresAt: epochSeconds(token.expiresAt),
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ]),
        0,
      );
    },
  } satisfies CodeStore;

  const tokens = {
    async accessToken(tokenId: string): Promise<AccessTokenRecord | undefined> {
      const item = await get(KEYS.accessToken(tokenId));
      return item
        ? {
            tokenId,
            accountId: String(item.accountId),
            clientId: String(item.clientId),
            grantId: String(item.grantId),
            sub: String(item.sub),
            claims: item.claims as ClaimName[],
            expiresAt: date(item.tokenExpiresAt),
          }
        : undefined;
    },
    async revokeAccessToken(tokenId: string): Promise<void> {
      await documentClient.send(new DeleteCommand({ TableName: tableName, Key: KEYS.accessToken(tokenId) }));
    },
  } satisfies TokenStore;

  const grants = {
    async grant(accountId: string, clientId: string): Promise<Grant | undefined> {
      const item = await get(KEYS.grant(accountId, clientId));
      return item ? toGrant(item) : undefined;
    },
    async grants(accountId: string): Promise<Grant[]> {
      return (await query(`ACCOUNT#${accountId}`, KEYS.grantPrefix)).map(toGrant);
    },
    async revokeGrant(accountId: string, clientId: string): Promise<boolean> {
      return held(() =>
        documentClient.send(
          new DeleteCommand({
            TableName: tableName,
            Key: KEYS.grant(accountId, clientId),
            ConditionExpression: 'attribute_exists(pk)',
          }),
        ),
      );
    },
  } satisfies GrantStore;

  const accounts = {
    async account(accountId: string) {
      const [account, authKey] = await Promise.all([
        get(KEYS.account(accountId)),
        get(KEYS.deviceKey(accountId, 'auth')),
      ]);
      if (!account) return undefined;
      return {
        accountId,
        status: String(account.status),
        ...(authKey?.jwk
          ? { authKey: authKey.jwk as { kty: string; crv: string; x: string; y: string } }
          : {}),
      };
    },
    async identity(accountId: string, sealed: boolean): Promise<IdentityRecord | undefined> {
      const item = (await get(KEYS.account(accountId))) as AccountItem | undefined;
      if (!item) return undefined;
      const { gender, dateOfBirth, address } = item.sealed;
      const open =
        sealed && gender && dateOfBirth && address
          ? await envelope.openFields(accountId, item.wrappedDataKey, { gender, dateOfBirth, address })
          : {};
      return {
        name: item.name,
        gender: open.gender ?? '',
        dateOfBirth: open.dateOfBirth ?? '',
        address: open.address ?? '',
        municipality: item.municipality,
        ...(item.email ? { email: { address: item.email.address, verified: item.email.verified } } : {}),
      };
    },
    async accountsWithEmail(address: string): Promise<string[]> {
      const entries = await query(KEYS.emailIndexOf(address), 'ACCOUNT#');
      const found: string[] = [];
      for (const entry of entries.slice(0, 10)) {
        const accountId = String(entry.accountId);
        const item = (await get(KEYS.account(accountId))) as AccountItem | undefined;
        // The index is written when an address is confirmed; the account says whether it still is its address.
        if (item?.email?.verified && item.email.address.toLowerCase() === address.toLowerCase())
          found.push(accountId);
      }
      return found;
    },
  } satisfies Accounts;

  const limits = {
    async take(key: string, max: number, windowSeconds: number, now: Date): Promise<boolean> {
      const nowSeconds = epochSeconds(now);
      for (let attempt = 0; attempt < 2; attempt++) {
        const counted = await held(() =>
          documentClient.send(
            new UpdateCommand({
              TableName: tableName,
              Key: KEYS.limit(key),
              UpdateExpression: 'ADD #count :one',
              ConditionExpression: 'expiresAt > :now AND #count < :max',
              ExpressionAttributeNames: { '#count': 'count' },
              ExpressionAttributeValues: { ':one': 1, ':now': nowSeconds, ':max': max },
            }),
          ),
        );
        if (counted) return true;
        const current = await get(KEYS.limit(key));
        if (current && Number(current.expiresAt) > nowSeconds) return false;
        const opened = await held(() =>
          documentClient.send(
            new PutCommand({
              TableName: tableName,
              Item: { ...KEYS.limit(key), count: 1, expiresAt: nowSeconds + windowSeconds },
              ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
              ExpressionAttributeValues: { ':now': nowSeconds },
            }),
          ),
        );
        if (opened) return true;
        // Someone opened the new window first: count in it.
      }
      return false;
    },
  } satisfies Limits;

  const assertions = {
    async consumeAssertion(clientId: string, jti: string, expiresAt: Date): Promise<boolean> {
      // False when the jti was used before (the put's condition did not hold).
      return db.put(
        { ...KEYS.assertion(clientId, jti), expiresAt: epochSeconds(expiresAt) },
        'attribute_not_exists(pk)',
      );
    },
  } satisfies Pick<ClientKeys, 'consumeAssertion'>;

  return {
    ...relyingParties,
    ...requests,
    ...codes,
    ...tokens,
    ...grants,
    ...accounts,
    ...limits,
    ...assertions,
  };
}

export type OidcStore = ReturnType<typeof oidcStore>;
