import { checkResponse } from '../contract.ts';
import type { SeenEntry } from './activity.ts';
import type { ChallengeForStatement } from './statement.ts';

/** An API error as the app sees it: the status and the problem document's `code`. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly body: unknown,
    /** The `Retry-After` header, in seconds, when the answer had one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(`${status} ${code}`);
  }
}

/** An answer that `docs/openapi.json` does not allow: the API broke its contract. */
export class ContractViolation extends Error {
  override name = 'ContractViolation';
  constructor(readonly violations: string[]) {
    super(`the answer breaks the API contract (docs/openapi.json):\n${violations.join('\n')}`);
  }
}

/**
 * The app's HTTP client: JSON in and out, problem documents turned into `ApiError`. Every answer is checked
 * against the API contract first (status, media type, body schema, the problem codes the operation lists):
 * one that breaks it throws `ContractViolation`, and is recorded so that the test fails even if it catches.
 */
export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    const response = await fetch(url, {
      method,
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const violations = await checkResponse(method, url, response);
    if (violations.length) throw new ContractViolation(violations);
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) {
      const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN);
      throw new ApiError(
        response.status,
        (parsed as { code?: string })?.code ?? 'unknown',
        parsed,
        Number.isFinite(retryAfter) ? retryAfter : undefined,
      );
    }
    return parsed as T;
  }

  getTerms() {
    return this.request<{
      terms: { version: string; sha256: string; url: string };
      privacyPolicy: { version: string; sha256: string; url: string };
    }>('GET', '/v1/terms');
  }

  createRegistrationChallenge() {
    return this.request<ChallengeForStatement & { expiresAt: string }>(
      'POST',
      '/v1/registration/challenges',
      {},
    );
  }

  register(body: unknown) {
    return this.request<RegistrationResult>('POST', '/v1/registrations', body);
  }

  /** 退会: the account is deleted (204). */
  deleteAccount(token: string, body: { signProof: string }) {
    return this.request<undefined>('DELETE', '/v1/me', body, { authorization: `Bearer ${token}` });
  }

  /** 機種変更・再設定: answers like a registration, with status 200. */
  recover(body: unknown) {
    return this.request<RegistrationResult>('POST', '/v1/recoveries', body);
  }

  activate(accountId: string, body: { authProof: string; signProof: string }) {
    return this.request<TokenResult>('POST', `/v1/accounts/${accountId}/activation`, body);
  }

  createSessionChallenge(accountId: string) {
    return this.request<{ challengeId: string; nonce: string; expiresAt: string }>(
      'POST',
      '/v1/sessions/challenges',
      {
        accountId,
      },
    );
  }

  createSession(body: { challengeId: string; proof: string }) {
    return this.request<TokenResult>('POST', '/v1/sessions', body);
  }

  setEmail(token: string, email: string) {
    return this.request<{ email: string; verified: boolean; warnings: string[] }>(
      'PUT',
      '/v1/me/email',
      { email },
      {
        authorization: `Bearer ${token}`,
      },
    );
  }

  resendEmail(token: string) {
    return this.request<{ email: string; verified: boolean }>('POST', '/v1/me/email/resend', undefined, {
      authorization: `Bearer ${token}`,
    });
  }

  registerPush(token: string, platform: 'APNS' | 'APNS_SANDBOX' | 'FCM', deviceToken: string) {
    return this.request<{ platform: string; enabled: boolean }>(
      'PUT',
      '/v1/me/push',
      { platform, token: deviceToken },
      {
        authorization: `Bearer ${token}`,
      },
    );
  }

  /** Signs out on this device for push: its token is free for another account. */
  releasePush(token: string) {
    return this.request<undefined>('DELETE', '/v1/me/push', undefined, { authorization: `Bearer ${token}` });
  }

  municipality(token: string) {
    return this.request<{
      code: string;
      name: string;
      prefecture: string;
      ward?: { code: string; name: string };
      notices: boolean;
      subscribed: boolean;
    }>('GET', '/v1/me/municipality', undefined, { authorization: `Bearer ${token}` });
  }

  subscribeNotices(token: string, consents: { termsVersion: string; privacyPolicyVersion: string }) {
    return this.request<{ municipality: { code: string; name: string }; push: boolean }>(
      'PUT',
      '/v1/me/notice-subscription',
      { push: true, consents },
      { authorization: `Bearer ${token}` },
    );
  }

  notices(token: string, query = '') {
    return this.request<{
      items: { noticeId: string; title: string; body: string; publishedAt: string }[];
      nextCursor: string | null;
    }>('GET', `/v1/me/notices${query}`, undefined, { authorization: `Bearer ${token}` });
  }

  /** The notice a push's deep link `xid://notices/<noticeId>` opens. */
  notice(token: string, noticeId: string) {
    return this.request<{
      noticeId: string;
      title: string;
      body: string;
      category: string;
      url?: string;
      publishedAt: string;
    }>('GET', `/v1/me/notices/${encodeURIComponent(noticeId)}`, undefined, {
      authorization: `Bearer ${token}`,
    });
  }

  unsubscribeNotices(token: string) {
    return this.request<undefined>('DELETE', '/v1/me/notice-subscription', undefined, {
      authorization: `Bearer ${token}`,
    });
  }

  /** The API contract as the stage serves it. */
  openApi() {
    return this.request<{ openapi: string; servers: { url: string }[]; paths: Record<string, unknown> }>(
      'GET',
      '/v1/openapi.json',
    );
  }

  /** One page of the activity log (利用履歴), newest first. */
  activity(token: string, query = '') {
    return this.request<{ items: SeenEntry[]; nextCursor: string | null }>(
      'GET',
      `/v1/me/activity${query}`,
      undefined,
      { authorization: `Bearer ${token}` },
    );
  }

  /** Local runtime only: what the push gateway delivered to a device token. */
  localPushes(deviceToken: string) {
    return this.request<{ at: string; payload: { APNS: string; GCM: string } }[]>(
      'GET',
      `/_local/push/${deviceToken}`,
    );
  }

  /** `POST /v1/me/challenges`: a challenge for a sign proof (PIN2). */
  createStepUpChallenge(token: string) {
    return this.request<{ challengeId: string; nonce: string; expiresAt: string }>(
      'POST',
      '/v1/me/challenges',
      {},
      { authorization: `Bearer ${token}` },
    );
  }

  /** Sign in with xID: the requests addressed to this resident. */
  authorizationRequests(token: string) {
    return this.request<{ items: AuthorizationRequestSummary[] }>(
      'GET',
      '/v1/me/authorization-requests',
      undefined,
      {
        authorization: `Bearer ${token}`,
      },
    );
  }

  claimAuthorizationRequest(token: string, userCode: string) {
    return this.request<AuthorizationRequestSummary>(
      'POST',
      '/v1/me/authorization-requests/claim',
      { userCode },
      { authorization: `Bearer ${token}` },
    );
  }

  reverify(token: string, body: ReverificationRequest) {
    return this.request<ReverificationResult>('POST', '/v1/me/reverification', body, {
      authorization: `Bearer ${token}`,
    });
  }

  decideAuthorizationRequest(
    token: string,
    requestId: string,
    body: { decision: 'approve' | 'deny'; proof: string },
  ) {
    return this.request<{ requestId: string; state: 'approved' | 'denied' }>(
      'POST',
      `/v1/me/authorization-requests/${requestId}/decision`,
      body,
      { authorization: `Bearer ${token}` },
    );
  }

  authorizations(token: string) {
    return this.request<{
      items: {
        clientId: string;
        clientName: string;
        claims: string[];
        firstAuthorizedAt: string;
        lastAuthorizedAt: string;
      }[];
    }>('GET', '/v1/me/authorizations', undefined, { authorization: `Bearer ${token}` });
  }

  revokeAuthorization(token: string, clientId: string) {
    return this.request<undefined>('DELETE', `/v1/me/authorizations/${clientId}`, undefined, {
      authorization: `Bearer ${token}`,
    });
  }

  me(token: string) {
    return this.request<Record<string, unknown>>('GET', '/v1/me', undefined, {
      authorization: `Bearer ${token}`,
    });
  }
}

/** A sign-in request as the app lists it (design.md §3.13). */
export interface AuthorizationRequestSummary {
  requestId: string;
  clientId: string;
  clientName: string;
  claims: string[];
  userCode: string;
  expiresAt: string;
}

export interface TokenResult {
  accountId: string;
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

export interface RegistrationResult {
  accountId: string;
  status: string;
  municipality: { code: string; name: string };
  activation: { nonce: string; expiresAt: string };
}

/** The re-verification statement (design.md §3.8), signed by the card and by the sign key. */
export interface ReverificationStatement {
  type: 'xid/reverification/v1';
  accountId: string;
  challengeId: string;
  nonce: string;
}

export interface ReverificationRequest {
  statement: ReverificationStatement;
  certificate: string;
  signature: string;
  signProof: string;
}

export interface ReverificationResult {
  accountId: string;
  status: 'active';
  municipality: { code: string; name: string };
  previousMunicipality: { code: string; name: string } | null;
  noticeSubscription: 'moved' | 'ended' | 'unchanged' | 'none';
}
