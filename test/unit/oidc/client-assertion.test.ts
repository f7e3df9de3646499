import fc from 'fast-check';
import { importJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  AssertionError,
  checkAssertionClaims,
  parseJwt,
  verifyAssertionSignature,
} from '#functions/oidc/client-assertion';
import { relyingParty, TOKEN_ENDPOINT } from './helpers.ts';

const now = new Date('2026-11-26T09:00:00Z');

describe('client assertions (private_key_jwt)', () => {
  it.each(['ES256', 'RS256', 'PS256'] as const)(
    'verifies %s exactly when jose verifies it with the registered key',
    async (alg) => {
      const rp = await relyingParty({}, alg);
      const other = await relyingParty({}, alg);
      const key = await importJWK(rp.jwk, alg);
      for (const signer of [rp.privateKey, other.privateKey]) {
        const jwt = await rp.assertion({ key: signer }, now);
        const ours = (() => {
          try {
            verifyAssertionSignature(parseJwt(jwt), [rp.jwk]);
            return true;
          } catch {
            return false;
          }
        })();
        const theirs = await jwtVerify(jwt, key, { currentDate: now }).then(
          () => true,
          () => false,
        );
        expect(ours).toBe(theirs);
        expect(ours).toBe(signer === rp.privateKey);
      }
    },
  );

  it('refuses alg none, HS256 and a critical header', async () => {
    const rp = await relyingParty();
    const jwt = await rp.assertion({}, now);
    const [, payload, signature] = jwt.split('.');
    for (const header of [{ alg: 'none' }, { alg: 'HS256' }, { alg: 'ES256', crit: ['x'], x: 1 }]) {
      const forged = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${payload}.${signature}`;
      expect(() => verifyAssertionSignature(parseJwt(forged), [rp.jwk])).toThrow(AssertionError);
    }
  });

  it('refuses a key of the wrong type for the algorithm, and one marked for encryption', async () => {
    const es = await relyingParty({}, 'ES256');
    const rs = await relyingParty({}, 'RS256');
    const jwt = parseJwt(await es.assertion({}, now));
    expect(() => verifyAssertionSignature(jwt, [rs.jwk])).toThrow(AssertionError);
    expect(() => verifyAssertionSignature(jwt, [{ ...es.jwk, use: 'enc' }])).toThrow(AssertionError);
    expect(() => verifyAssertionSignature(jwt, [es.jwk])).not.toThrow();
  });

  it('checks iss, sub, aud, exp and jti', async () => {
    const rp = await relyingParty();
    const expected = { clientId: rp.client.clientId, tokenEndpoint: TOKEN_ENDPOINT, now };
    const claims = async (changes: Parameters<typeof rp.assertion>[0]) =>
      checkAssertionClaims(parseJwt(await rp.assertion(changes, now)), expected);
    await expect(claims({})).resolves.toMatchObject({ jti: expect.any(String) });
    await expect(claims({ aud: 'https://id.example.jp' })).rejects.toThrow(/aud/);
    await expect(claims({ iss: 'other' })).rejects.toThrow(/iss and sub/);
    await expect(claims({ exp: Math.floor(now.getTime() / 1000) - 31 })).rejects.toThrow(/expired/);
    await expect(claims({ exp: Math.floor(now.getTime() / 1000) + 331 })).rejects.toThrow(/too long/);
  });

  it('parses any text into a JWT or an AssertionError, nothing else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc
            .tuple(fc.json(), fc.json(), fc.string())
            .map(([h, p, s]) => [h, p, s].map((x) => Buffer.from(x).toString('base64url')).join('.')),
        ),
        (text) => {
          try {
            parseJwt(text);
          } catch (error) {
            expect(error).toBeInstanceOf(AssertionError);
          }
        },
      ),
    );
  });
});
