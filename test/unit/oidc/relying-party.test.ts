import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkRelyingParty, RelyingPartyError, sectorOf } from '#functions/oidc/relying-party';

const ecJwk = () => ({
  ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }),
  kid: 'k1',
});
const input = (changes = {}) => ({
  name: '品川区電子申請',
  redirectUris: ['https://apply.city.example.lg.jp/callback'],
  jwks: { keys: [ecJwk()] },
  sector: 'city.example.lg.jp',
  claims: ['municipality_code', 'name'],
  ...changes,
});

describe('relying party registration', () => {
  it('keeps what it needs, with the claims in their fixed order', () => {
    const checked = checkRelyingParty(input(), false);
    expect(checked).toMatchObject({
      name: '品川区電子申請',
      sector: 'city.example.lg.jp',
      claims: ['name', 'municipality_code'],
    });
    expect(checked.jwks?.keys[0]).toEqual(expect.objectContaining({ kty: 'EC', crv: 'P-256', kid: 'k1' }));
  });

  it.each([
    ['an http redirect URI', { redirectUris: ['http://apply.city.example.lg.jp/cb'] }, /https/],
    ['a redirect URI with a fragment', { redirectUris: ['https://a.example/cb#x'] }, /fragment/],
    ['a relative redirect URI', { redirectUris: ['/cb'] }, /absolute/],
    ['no redirect URI', { redirectUris: [] }, /1 to 10/],
    [
      'a private key',
      {
        jwks: {
          keys: [
            { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) },
          ],
        },
      },
      /private/,
    ],
    [
      'a P-384 key',
      {
        jwks: {
          keys: [
            { ...generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' }) },
          ],
        },
      },
      /P-256/,
    ],
    [
      'a 1024-bit RSA key',
      {
        jwks: {
          keys: [generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' })],
        },
      },
      /2048/,
    ],
    ['both a JWKS and a JWKS URI', { jwksUri: 'https://rp.example/jwks' }, /exactly one/],
    ['an unknown claim', { claims: ['phone_number'] }, /unknown claim/],
    ['a sector that is not a host', { sector: 'not a host' }, /host name/],
    ['a name with a newline', { name: 'a\nb' }, /name/],
  ])('refuses %s', (_, changes, message) => {
    expect(() => checkRelyingParty(input(changes), false)).toThrow(RelyingPartyError);
    expect(() => checkRelyingParty(input(changes), false)).toThrow(message);
  });

  it('allows http on a loopback host only where loopback is allowed', () => {
    const loopback = input({ redirectUris: ['http://127.0.0.1:8080/cb'] });
    expect(() => checkRelyingParty(loopback, false)).toThrow(RelyingPartyError);
    expect(checkRelyingParty(loopback, true).redirectUris).toEqual(['http://127.0.0.1:8080/cb']);
  });

  it('takes the host of an https sector identifier', () => {
    expect(sectorOf('https://City.Example.lg.jp/sector.json')).toBe('city.example.lg.jp');
  });
});
