import { describe, expect, it } from 'vitest';
import { loadEvent } from '#events/load';
import { authorizerFor } from '#functions/auth/authorizer';
import type { TokenClaims } from '#functions/auth/jwt';

/** The TOKEN authorizer: who is allowed, who is refused, and an outage told apart from a bad token. */
const SUB = '6b1d2c4e-0000-4000-8000-000000000001';
const claims = { sub: SUB } as TokenClaims;
/** The account's token generation, as the authorizer reads it: 0, a token without `gen` is of. */
const GENERATION_0 = async () => 0;

describe('the authorizer', () => {
  it('allows the resident routes of the stage for the token’s subject', async () => {
    const result = await authorizerFor(async () => claims, GENERATION_0)(loadEvent('authorizer', 'token'));
    expect(result.principalId).toBe(SUB);
    expect(result.context).toEqual({ accountId: SUB });
    expect(result.policyDocument.Statement[0]).toMatchObject({
      Effect: 'Allow',
      Resource: [
        'arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/live/*/v1/me',
        'arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/live/*/v1/me/*',
      ],
    });
  });

  it('answers Unauthorized (401, cached) for a bad token or a malformed header', async () => {
    const refuse = authorizerFor(async () => {
      throw new Error('bad signature');
    }, GENERATION_0);
    await expect(refuse(loadEvent('authorizer', 'token'))).rejects.toThrow(/^Unauthorized$/);
    const malformed = { ...loadEvent('authorizer', 'token'), authorizationToken: 'Basic abc' };
    await expect(authorizerFor(async () => claims, GENERATION_0)(malformed)).rejects.toThrow(
      /^Unauthorized$/,
    );
  });

  it('fails with another error when a dependency is down, so API Gateway answers 503 and the app keeps its token', async () => {
    const outage = authorizerFor(async () => {
      throw Object.assign(new Error('KMS unreachable'), { code: 'ECONNREFUSED' });
    }, GENERATION_0);
    const error = await outage(loadEvent('authorizer', 'token')).catch((e: Error) => e);
    expect((error as Error).message).not.toBe('Unauthorized');
  });
});
