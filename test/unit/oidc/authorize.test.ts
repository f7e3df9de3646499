import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkAuthorizeRequest, localeOf, redirectWith } from '#functions/oidc/authorize';
import { claimsOfParameter, claimsOfScope, claimValues } from '#functions/oidc/claims';
import { authorizeQuery, pkce, relyingParty, resident } from './helpers.ts';

const { client } = await relyingParty();
const { challenge } = pkce();
const check = (changes: Record<string, string | string[] | undefined>) =>
  checkAuthorizeRequest(authorizeQuery(client, challenge, changes), client);
const errorOf = (changes: Record<string, string | string[] | undefined>) => {
  const result = check(changes);
  return result.kind === 'redirect' ? result.error : result.kind;
};

describe('authorization requests', () => {
  it('accepts a good request and names its claims in a fixed order', () => {
    const result = check({ scope: 'openid municipality email profile', ui_locales: 'en-US ja' });
    expect(result).toMatchObject({
      kind: 'valid',
      request: {
        claims: ['name', 'gender', 'birthdate', 'email', 'email_verified', 'municipality_code'],
        locale: 'en',
        state: 'state-123',
        nonce: 'nonce-456',
      },
    });
  });

  it.each([
    ['response_type token', { response_type: 'token' }, 'unsupported_response_type'],
    ['response_type code id_token', { response_type: 'code id_token' }, 'unsupported_response_type'],
    ['no response_type', { response_type: undefined }, 'invalid_request'],
    ['response_mode fragment', { response_mode: 'fragment' }, 'invalid_request'],
    ['no openid scope', { scope: 'profile' }, 'invalid_scope'],
    ['prompt=none', { prompt: 'none' }, 'login_required'],
    ['a request object', { request: 'eyJ.eyJ.sig' }, 'request_not_supported'],
    ['a request_uri', { request_uri: 'https://rp.example/r' }, 'request_uri_not_supported'],
    ['a state with a newline', { state: 'a\nb' }, 'invalid_request'],
    ['a state over 512 characters', { state: 's'.repeat(513) }, 'invalid_request'],
    ['a nonce over 255 characters', { nonce: 'n'.repeat(256) }, 'invalid_request'],
    ['a short code_challenge', { code_challenge: 'abc' }, 'invalid_request'],
    ['a max_age that is not a number', { max_age: 'soon' }, 'invalid_request'],
    ['a malformed claims parameter', { claims: '{"userinfo":' }, 'invalid_request'],
    ['an unknown claim', { claims: '{"id_token":{"given_name":null}}' }, 'invalid_request'],
    ['an empty state', { state: '' }, 'invalid_request'],
  ])('refuses %s', (_, changes, error) => {
    expect(errorOf(changes)).toBe(error);
  });

  it('does not echo a state it refused for its length', () => {
    const result = check({ state: 's'.repeat(513) });
    expect(result).toMatchObject({ kind: 'redirect' });
    expect(result).not.toHaveProperty('state');
  });

  it('takes claims from the claims parameter too, and checks them against the client', () => {
    expect(
      check({
        scope: 'openid',
        claims: '{"userinfo":{"birthdate":{"essential":true}},"id_token":{"sub":null}}',
      }),
    ).toMatchObject({
      kind: 'valid',
      request: { claims: ['birthdate'] },
    });
    const narrow = { ...client, claims: ['name' as const] };
    const result = checkAuthorizeRequest(
      authorizeQuery(narrow, challenge, { scope: 'openid', claims: '{"userinfo":{"email":null}}' }),
      narrow,
    );
    expect(result).toMatchObject({ kind: 'redirect', error: 'invalid_scope' });
  });

  it('ignores scope values it does not know', () => {
    expect(check({ scope: 'openid offline_access' })).toMatchObject({
      kind: 'valid',
      request: { claims: [] },
    });
  });

  it('never throws, whatever the query', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom(
            'client_id',
            'redirect_uri',
            'scope',
            'state',
            'nonce',
            'claims',
            'code_challenge',
            'prompt',
            'x',
          ),
          fc.array(fc.string(), { maxLength: 2 }),
        ),
        (query) => {
          const result = checkAuthorizeRequest(query, client);
          expect(['page', 'redirect', 'valid']).toContain(result.kind);
        },
      ),
    );
  });

  it('adds response parameters to a redirect URI without touching its own query', () => {
    expect(
      redirectWith('https://rp.example/cb?a=%20b', { code: 'x y', state: undefined, iss: 'https://id' }),
    ).toBe('https://rp.example/cb?a=%20b&code=x+y&iss=https%3A%2F%2Fid');
  });

  it('picks the page language from ui_locales, then Accept-Language, else Japanese', () => {
    expect(localeOf('fr en', 'ja')).toBe('en');
    expect(localeOf(undefined, 'en-GB,en;q=0.9')).toBe('en');
    expect(localeOf(undefined, undefined)).toBe('ja');
  });
});

describe('claims', () => {
  it('maps scopes to claims', () => {
    expect(claimsOfScope(['openid', 'address', 'email'])).toEqual(['address', 'email', 'email_verified']);
  });

  it('refuses members and requests it does not support in the claims parameter', () => {
    expect(claimsOfParameter('{"userinfo":{"name":{"value":"x"}}}')).toHaveProperty('error');
    expect(claimsOfParameter('{"other":{}}')).toHaveProperty('error');
    expect(claimsOfParameter('[]')).toHaveProperty('error');
  });

  it('parses any text without throwing', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const result = claimsOfParameter(text);
        expect(Array.isArray(result) || typeof result.error === 'string').toBe(true);
      }),
    );
  });

  it('makes the address claim from the address and the municipality, and omits e-mail claims without an address', () => {
    const { record } = resident();
    const identity = {
      ...record.identity,
      municipality: {
        code: '141003',
        name: '横浜市',
        prefecture: '神奈川県',
        ward: { code: '141011', name: '鶴見区' },
      },
      email: undefined,
    };
    expect(claimValues(['address', 'email', 'email_verified', 'municipality_code'], identity)).toEqual({
      address: { formatted: identity.address, region: '神奈川県', locality: '横浜市鶴見区' },
      municipality_code: '141003',
    });
  });
});
