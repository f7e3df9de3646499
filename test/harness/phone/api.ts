import type { ChallengeForStatement } from './statement.ts';

/** An API error as the app sees it: the status and the problem document's `code`. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly body: unknown,
  ) {
    super(`${status} ${code}`);
  }
}

/** The app's HTTP client: JSON in and out, problem documents turned into `ApiError`. */
export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok)
      throw new ApiError(response.status, (parsed as { code?: string })?.code ?? 'unknown', parsed);
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

  me(token: string) {
    return this.request<Record<string, unknown>>('GET', '/v1/me', undefined, {
      authorization: `Bearer ${token}`,
    });
  }
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
