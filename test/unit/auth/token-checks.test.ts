import { describe, expect, it } from 'vitest';
import { loadEvent } from '#events/load';
import { type TokenClaims, TokenError } from '#functions/auth/jwt';
import { residentAuth } from '#functions/shared/http/resident-auth';
import { codeOf } from '#test/unit/support';

/**
 * The handlers' re-check of a resident route (design.md §3.3, §3.9): it refuses a token whose generation is
 * not the account's current one (a recovery raised it) or whose account is gone (deleted), besides a token
 * that does not verify. (The authorizer checks only the token: docs/api.md, Revocation.)
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

  it('takes the account’s municipality over the token’s where the route reads it (the inbox after a move)', async () => {
    const shinagawa = { code: '131091', name: '品川区' };
    const yokohama = { code: '141003', name: '横浜市' };
    const check = async () => ({ ...claims(1), municipality: shinagawa });
    expect(
      await residentAuth(check, async () => ({ generation: 1, municipality: yokohama }))(BEARER, apiEvent()),
    ).toEqual({ accountId: ACCOUNT, tokenGeneration: 1, municipality: yokohama });
    expect(await residentAuth(check, async () => 1)(BEARER, apiEvent())).toEqual({
      accountId: ACCOUNT,
      tokenGeneration: 1,
      municipality: shinagawa,
    });
    expect(
      await codeOf(
        residentAuth(check, async () => ({ generation: 2, municipality: yokohama }))(BEARER, apiEvent()),
      ),
    ).toBe('unauthorized');
  });

  it('leaves the generation to the route when told so (GET /v1/me compares in its one read)', async () => {
    expect(await residentAuth(async () => claims(5), 'in-use-case')(BEARER, apiEvent())).toEqual({
      accountId: ACCOUNT,
      tokenGeneration: 5,
    });
  });
});
