import { describe, expect, it } from 'vitest';
import { loadEvent } from '#events/load';
import { authorizerFor } from '#functions/auth/authorizer';
import { type TokenClaims, TokenError } from '#functions/auth/jwt';
import { residentAuth } from '#functions/shared/http/resident-auth';
import { codeOf } from '#test/unit/support';

/**
 * The two token checks of a resident route (design.md §3.3, §3.9): the authorizer and the handlers' re-check
 * both refuse a token whose generation is not the account's current one (a recovery raised it) or whose
 * account is gone (deleted), besides a token that does not verify.
 */
const ACCOUNT = '6b1d2c4e-0000-4000-8000-000000000001';
const claims = (gen?: number): TokenClaims => ({
  iss: 'urn:xid:unit',
  aud: 'urn:xid:unit:api',
  sub: ACCOUNT,
  iat: 0,
  nbf: 0,
  exp: 900,
  jti: 'j',
  ...(gen === undefined ? {} : { gen }),
});
const BEARER = loadEvent('authorizer', 'token').authorizationToken;
const apiEvent = (accountId?: string) => ({
  requestContext: { authorizer: accountId ? { accountId } : undefined },
});

describe('the handlers’ re-check', () => {
  const checkWith = (gen: number | undefined, current: number | undefined) =>
    residentAuth(
      async () => claims(gen),
      async () => current,
    );

  it('gives the account and the token’s generation when it is the account’s current one', async () => {
    expect(await checkWith(2, 2)(BEARER, apiEvent(ACCOUNT))).toEqual({
      accountId: ACCOUNT,
      tokenGeneration: 2,
    });
    expect(await checkWith(undefined, 0)(BEARER, apiEvent())).toEqual({
      accountId: ACCOUNT,
      tokenGeneration: 0,
    });
  });

  it.each([
    ['an older generation', 1, 2],
    ['a newer generation', 3, 2],
    ['no generation claim after a recovery', undefined, 1],
    ['a deleted account', 0, undefined],
  ])('refuses a token of %s (401)', async (_, gen, current) => {
    expect(await codeOf(checkWith(gen, current)(BEARER, apiEvent(ACCOUNT)))).toBe('unauthorized');
  });

  it('refuses no header, a token that does not verify, and a subject the authorizer did not approve', async () => {
    expect(await codeOf(checkWith(0, 0)(undefined, apiEvent()))).toBe('unauthorized');
    const failing = residentAuth(
      async () => {
        throw new TokenError('expired');
      },
      async () => 0,
    );
    expect(await codeOf(failing(BEARER, apiEvent()))).toBe('unauthorized');
    expect(await codeOf(checkWith(0, 0)(BEARER, apiEvent('6b1d2c4e-0000-4000-8000-000000000002')))).toBe(
      'unauthorized',
    );
  });

  it('leaves the generation to the route when told so (GET /v1/me compares in its one read)', async () => {
    expect(await residentAuth(async () => claims(5), 'in-use-case')(BEARER, apiEvent())).toEqual({
      accountId: ACCOUNT,
      tokenGeneration: 5,
    });
  });
});

describe('the authorizer', () => {
  const authorize = (gen: number | undefined, current: () => Promise<number | undefined>) =>
    authorizerFor(async () => claims(gen), current)(loadEvent('authorizer', 'token'));

  it('allows the resident routes for a token of the current generation', async () => {
    const result = await authorize(3, async () => 3);
    expect(result.principalId).toBe(ACCOUNT);
    expect(result.context).toEqual({ accountId: ACCOUNT });
  });

  it.each([
    ['an older generation', async () => 4],
    ['a deleted account', async () => undefined],
  ])('refuses a token of %s', async (_, current) => {
    const result = await authorize(3, current);
    expect(result.principalId).toBe('anonymous');
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
    expect(result.context).toBeUndefined();
  });

  it('tells an outage of the generation read from a refusal (API Gateway answers 503, nothing cached)', async () => {
    const error = await authorize(3, async () => {
      throw Object.assign(new Error('DynamoDB unreachable'), { code: 'ECONNREFUSED' });
    }).catch((e: Error) => e);
    expect((error as Error).message).toBe('Dependency unavailable');
  });
});
