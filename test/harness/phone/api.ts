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
}

export interface RegistrationResult {
  accountId: string;
  status: string;
  municipality: { code: string; name: string };
  activation: { nonce: string; expiresAt: string };
}
