import { describe, expect, it } from 'vitest';
import { loadEvent } from '#events/load';
import { authorizerFor } from '#functions/auth/authorizer';
import { type TokenClaims, TokenError, verifyToken } from '#functions/auth/jwt';

/**
 * The TOKEN authorizer: who is allowed, who is refused (a Deny, not an error: the authorizer's Errors alarm
 * means a fault), and an outage told apart from a bad token.
 */
const SUB = '6b1d2c4e-0000-4000-8000-000000000001';
const claims = { sub: SUB } as TokenClaims;
const token = (authorizationToken?: string) => ({
  ...loadEvent('authorizer', 'token'),
  ...(authorizationToken === undefined ? {} : { authorizationToken }),
});

describe('the authorizer', () => {
  it('allows the resident routes of the stage for the token’s subject', async () => {
    const result = await authorizerFor(async () => claims)(token());
    expect(result.principalId).toBe(SUB);
    expect(result.context).toEqual({ accountId: SUB });
    expect(result.policyDocument.Statement).toEqual([
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: [
          'arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/live/*/v1/me',
          'arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/live/*/v1/me/*',
        ],
      },
    ]);
  });

  it('denies (401, cached) a bad token or a malformed header, without failing', async () => {
    const refuse = authorizerFor(async () => {
      throw new TokenError('bad signature');
    });
    for (const event of [token(), token('Basic abc'), token('')]) {
      const result = await refuse(event);
      expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
      expect(result.context).toBeUndefined();
    }
    const allowAll = await authorizerFor(async () => claims)(token('Basic abc'));
    expect(allowAll.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
  });

  it('denies a token whose header is JSON null, rather than failing on it', async () => {
    const nullHeader = `${Buffer.from('null').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.AA`;
    const check = async (jwt: string) =>
      verifyToken(jwt, { issuer: 'i', audience: 'a', keys: new Map(), now: new Date() });
    const result = await authorizerFor(check)(token(`Bearer ${nullHeader}`));
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
  });

  it('fails when a dependency is down, so API Gateway answers 503, the app keeps its token, and the alarm hears', async () => {
    const outage = authorizerFor(async () => {
      throw Object.assign(new Error('KMS unreachable'), { code: 'ECONNREFUSED' });
    });
    await expect(outage(token())).rejects.toThrow('Dependency unavailable');
  });
});
