import { createHmac, generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  derToJose,
  isLowS,
  issueToken,
  lowS,
  signCompact,
  TOKEN_TTL_SECONDS,
  TokenError,
  verificationKey,
  verifyToken,
} from '#functions/auth/jwt';
import { verifyProof } from '#functions/auth/proofs';
import { canonicalBytes } from '#functions/shared/jcs';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const key = verificationKey(publicKey.export({ format: 'der', type: 'spki' }));
const keys = new Map([[key.kid, key]]);
const audience = { issuer: 'urn:xid:unit', audience: 'urn:xid:unit:api' };
const now = new Date('2026-11-26T09:00:00Z');
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

async function token(at = now) {
  return issueToken('acct-1', { ...audience, kid: key.kid, now: at, generation: 0, privateKey }).token;
}

describe('access tokens', () => {
  it('are ES256 JWTs with kid, iss, aud, sub, 15-minute exp and a jti, and verify', async () => {
    const t = await token();
    const claims = verifyToken(t, { ...audience, keys, now });
    expect(claims).toMatchObject({ ...{ iss: audience.issuer, aud: audience.audience }, sub: 'acct-1' });
    expect(claims.exp - claims.iat).toBe(TOKEN_TTL_SECONDS);
    expect(JSON.parse(Buffer.from(t.split('.')[0] as string, 'base64url').toString())).toEqual({
      alg: 'ES256',
      typ: 'JWT',
      kid: key.kid,
    });
  });

  it('expire after 15 minutes', async () => {
    const t = await token();
    expect(() => verifyToken(t, { ...audience, keys, now: new Date(now.getTime() + 901_000) })).toThrow(
      /expired/,
    );
  });

  it('are refused with alg none, HS256, an unknown kid, another audience or a flipped bit', async () => {
    const t = await token();
    const [h, p, s] = t.split('.') as [string, string, string];
    const check = (candidate: string) => () => verifyToken(candidate, { ...audience, keys, now });
    expect(check(`${b64({ alg: 'none', kid: key.kid })}.${p}.`)).toThrow(TokenError);
    const hsHeader = b64({ alg: 'HS256', kid: key.kid });
    const mac = createHmac('sha256', JSON.stringify(key.jwk)).update(`${hsHeader}.${p}`).digest('base64url');
    expect(check(`${hsHeader}.${p}.${mac}`)).toThrow(/ES256/);
    expect(check(`${b64({ alg: 'ES256', kid: 'nope' })}.${p}.${s}`)).toThrow(/kid/);
    expect(() => verifyToken(t, { ...audience, audience: 'other', keys, now })).toThrow(/audience/);
    const flipped = `${h}.${p}.${s.slice(0, -2)}${s.endsWith('A') ? 'B' : 'A'}${s.slice(-1)}`;
    expect(check(flipped)).toThrow(TokenError);
    expect(check('a.b')).toThrow(TokenError);
  });

  it('refuse a lifetime longer than 15 minutes even when signed by our key', async () => {
    const header = b64({ alg: 'ES256', typ: 'JWT', kid: key.kid });
    const iat = Math.floor(now.getTime() / 1000);
    const payload = b64({
      ...audience,
      iss: audience.issuer,
      aud: audience.audience,
      sub: 'a',
      iat,
      nbf: iat,
      exp: iat + 86_400,
    });
    const signature = lowS(
      sign('sha256', Buffer.from(`${header}.${payload}`), { key: privateKey, dsaEncoding: 'ieee-p1363' }),
    ).toString('base64url');
    expect(() => verifyToken(`${header}.${payload}.${signature}`, { ...audience, keys, now })).toThrow(
      /lifetime/,
    );
  });
});

describe('the municipality claim', () => {
  it("carries the resident's municipality, and a malformed one is refused even when signed by our key", () => {
    const municipality = { code: '131091', name: '品川区' };
    const { token: t } = issueToken('acct-1', {
      ...audience,
      kid: key.kid,
      now,
      generation: 0,
      privateKey,
      municipality,
    });
    expect(verifyToken(t, { ...audience, keys, now }).municipality).toEqual(municipality);
    const iat = Math.floor(now.getTime() / 1000);
    for (const bad of [{ code: '13109', name: 'x' }, { code: 131091, name: 'x' }, 'a', null]) {
      const claims = { iss: audience.issuer, aud: audience.audience, sub: 'a', iat, nbf: iat, exp: iat + 60 };
      const forged = signCompact({ typ: 'JWT', kid: key.kid }, { ...claims, municipality: bad }, privateKey);
      expect(() => verifyToken(forged, { ...audience, keys, now })).toThrow(/municipality/);
    }
  });
});

describe('compact JWS', () => {
  it('is always ES256 with a 64-byte r‖s signature that node:crypto verifies, whatever alg the caller names', () => {
    for (let i = 0; i < 50; i++) {
      const jws = signCompact({ alg: 'none', typ: 'JWT', kid: key.kid }, { n: i }, privateKey);
      const [h, p, s] = jws.split('.') as [string, string, string];
      expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({
        alg: 'ES256',
        typ: 'JWT',
        kid: key.kid,
      });
      expect(JSON.parse(Buffer.from(p, 'base64url').toString())).toEqual({ n: i });
      const signature = Buffer.from(s, 'base64url');
      expect(signature.length).toBe(64);
      expect(
        verify('sha256', Buffer.from(`${h}.${p}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature),
      ).toBe(true);
    }
  });
});

const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
function twin(signature: Buffer): Buffer {
  const s = BigInt(`0x${signature.subarray(32).toString('hex')}`);
  return Buffer.concat([
    signature.subarray(0, 32),
    Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex'),
  ]);
}

describe('low S', () => {
  it('is what every token we issue carries, and the high-S twin of a token is refused', async () => {
    for (let i = 0; i < 40; i++) {
      const t = await token(new Date(now.getTime() + i * 1000));
      const [h, p, s] = t.split('.') as [string, string, string];
      const signature = Buffer.from(s, 'base64url');
      expect(isLowS(signature)).toBe(true);
      const other = `${h}.${p}.${twin(signature).toString('base64url')}`;
      // Both are valid ECDSA signatures of the same bytes; only the one we issue is accepted.
      expect(
        verify(
          'sha256',
          Buffer.from(`${h}.${p}`),
          { key: publicKey, dsaEncoding: 'ieee-p1363' },
          twin(signature),
        ),
      ).toBe(true);
      expect(() => verifyToken(other, { ...audience, keys, now })).toThrow(/high-S/);
    }
  });

  it('is the normal form lowS makes, and lowS keeps a signature that verifies', () => {
    for (let i = 0; i < 50; i++) {
      const message = Buffer.from(String(i));
      const raw = sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      const low = lowS(raw);
      expect(isLowS(low)).toBe(true);
      expect(lowS(twin(raw))).toEqual(low);
      expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, low)).toBe(true);
    }
  });

  it('lets a device proof in either form verify: phones do not normalise', () => {
    const device = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = device.publicKey.export({ format: 'jwk' }) as {
      kty: string;
      crv: string;
      x: string;
      y: string;
    };
    const expected = { type: 'xid/session/v1', accountId: 'a', nonce: 'n' };
    const input = `${canonicalBytes({ alg: 'ES256' }).toString('base64url')}.${canonicalBytes(expected).toString('base64url')}`;
    const raw = sign('sha256', Buffer.from(input), { key: device.privateKey, dsaEncoding: 'ieee-p1363' });
    for (const form of [raw, twin(raw)])
      expect(verifyProof(`${input}.${form.toString('base64url')}`, expected, jwk)).toBe(true);
  });
});

describe('nbf', () => {
  const header = b64({ alg: 'ES256', typ: 'JWT', kid: key.kid });
  const iat = Math.floor(now.getTime() / 1000);
  const base = { iss: audience.issuer, aud: audience.audience, sub: 'a', iat, exp: iat + 600 };
  const signed = async (claims: object) => {
    const payload = b64(claims);
    const signature = lowS(
      sign('sha256', Buffer.from(`${header}.${payload}`), { key: privateKey, dsaEncoding: 'ieee-p1363' }),
    ).toString('base64url');
    return `${header}.${payload}.${signature}`;
  };
  const check = (t: string) => () => verifyToken(t, { ...audience, keys, now });

  it('is required: a token without it is refused even when signed by our key', async () => {
    expect(check(await signed(base))).toThrow(/no nbf/);
    expect(check(await signed({ ...base, nbf: iat }))()).toMatchObject({ sub: 'a' });
  });

  it('is checked: a token not valid yet is refused', async () => {
    expect(check(await signed({ ...base, nbf: iat + 3600 }))).toThrow(/not yet valid/);
  });

  it('is in every token we issue, equal to iat', async () => {
    const { claims } = issueToken('a', { ...audience, kid: key.kid, now, generation: 0, privateKey });
    expect(claims.nbf).toBe(claims.iat);
  });
});

describe('DER to JOSE signatures', () => {
  it('turns every DER ECDSA signature into 64 bytes r‖s, padding short integers', () => {
    for (let i = 0; i < 200; i++) {
      const der = sign('sha256', Buffer.from(String(i)), privateKey);
      const jose = derToJose(der);
      expect(jose.length).toBe(64);
      const p1363 = sign('sha256', Buffer.from(String(i)), { key: privateKey, dsaEncoding: 'ieee-p1363' });
      expect(p1363.length).toBe(64);
    }
    const short = Buffer.from([0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07]);
    const jose = derToJose(short);
    expect(jose[31]).toBe(5);
    expect(jose[63]).toBe(7);
    expect(jose.subarray(0, 31).every((b) => b === 0)).toBe(true);
  });
});

describe('device-key proofs', () => {
  const device = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = device.publicKey.export({ format: 'jwk' }) as {
    kty: string;
    crv: string;
    x: string;
    y: string;
  };
  const proof = (payload: object, header: object = { alg: 'ES256' }) => {
    const input = `${canonicalBytes(header).toString('base64url')}.${canonicalBytes(payload).toString('base64url')}`;
    return `${input}.${sign('sha256', Buffer.from(input), { key: device.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  };
  const expected = { type: 'xid/session/v1', accountId: 'a', nonce: 'n' };

  it('verify only over the exact JCS bytes of the expected object', () => {
    expect(verifyProof(proof(expected), expected, jwk)).toBe(true);
    expect(verifyProof(proof({ ...expected, nonce: 'm' }), expected, jwk)).toBe(false);
    expect(verifyProof(proof({ nonce: 'n', accountId: 'a', type: 'xid/session/v1' }), expected, jwk)).toBe(
      true,
    );
  });

  it('refuse another alg, critical headers, and garbage', () => {
    expect(verifyProof(proof(expected, { alg: 'ES384' }), expected, jwk)).toBe(false);
    expect(verifyProof(proof(expected, { alg: 'ES256', crit: ['x'] }), expected, jwk)).toBe(false);
    expect(verifyProof('not.a.jws', expected, jwk)).toBe(false);
  });
});
