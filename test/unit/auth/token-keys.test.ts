import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { issueToken, verifyToken } from '#functions/auth/jwt';
import type { TokenKeyPorts } from '#functions/auth/ports';
import {
  MIN_ROTATION_INTERVAL_SECONDS,
  privateKeyOf,
  publishedKeysOf,
  type StoredTokenKey,
  signingKeyOf,
  TokenKeyError,
  type TokenKeySet,
  verificationKeysOf,
} from '#functions/auth/token-key-set';
import { ensureTokenKeys, rotateTokenKeys, tokenKeysResource } from '#functions/auth/use-cases';

/**
 * The token-signing keys (design.md §3.1, §7) with the table and KMS in memory: KMS `Encrypt` is played
 * by AES-256-GCM under a key only this test holds, with the encryption context as additional data, so a
 * wrapped key opens only with its own context, as in KMS.
 */
const T0 = new Date('2026-11-27T03:00:00Z');
const later = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const audience = { issuer: 'urn:xid:unit', audience: 'urn:xid:unit:api' };

const kmsKey = randomBytes(32);
function kmsEncrypt(plaintext: Buffer, context: Record<string, string>): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kmsKey, iv);
  cipher.setAAD(Buffer.from(JSON.stringify(context)));
  return Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]).toString(
    'base64',
  );
}
function kmsDecrypt(wrapped: string, context: Record<string, string>): Buffer {
  const bytes = Buffer.from(wrapped, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', kmsKey, bytes.subarray(0, 12));
  decipher.setAAD(Buffer.from(JSON.stringify(context)));
  decipher.setAuthTag(bytes.subarray(-16));
  return Buffer.concat([decipher.update(bytes.subarray(12, -16)), decipher.final()]);
}

interface World {
  stored?: TokenKeySet;
  now: Date;
  wrapped: { plaintext: Buffer; given: Buffer; context: Record<string, string> }[];
  writes: number;
}
let world: World;
let ports: TokenKeyPorts;

beforeEach(() => {
  world = { now: T0, wrapped: [], writes: 0 };
  ports = {
    readKeySet: async () => (world.stored ? structuredClone(world.stored) : undefined),
    writeKeySet: async (set, previous) => {
      if ((world.stored?.rotatedAt ?? null) !== (previous?.rotatedAt ?? null))
        throw new TokenKeyError('the token key set changed meanwhile; nothing was written');
      world.stored = structuredClone(set);
      world.writes++;
    },
    wrapPrivateKey: async (pkcs8, context) => {
      world.wrapped.push({ plaintext: Buffer.from(pkcs8), given: pkcs8, context });
      return kmsEncrypt(pkcs8, context);
    },
    now: () => world.now,
  };
});

/** A signer as a signing function makes it: the wrapped key from the set, unwrapped with its context. */
function sign(key: StoredTokenKey, subject: string, now = world.now): string {
  const pkcs8 = kmsDecrypt(key.wrappedPrivateKey, { purpose: 'xid-token-signing', kid: key.kid });
  return issueToken(subject, {
    ...audience,
    kid: key.kid,
    now,
    generation: 0,
    privateKey: privateKeyOf(key, pkcs8),
  }).token;
}
/** A verifier as a verifying function makes it: the published keys only. */
function verify(set: TokenKeySet, token: string, now = world.now) {
  const keys = new Map(verificationKeysOf(publishedKeysOf(set)).map((k) => [k.kid, k]));
  return verifyToken(token, { ...audience, keys, now });
}

describe('provisioning the token keys', () => {
  it('makes a signing key and the next one, each private key only wrapped, bound to its kid', async () => {
    const set = await ensureTokenKeys(ports);
    expect(set.signer.kid).not.toBe(set.next.kid);
    expect(set.previous).toBeUndefined();
    expect(world.wrapped.map((w) => w.context)).toEqual([
      { purpose: 'xid-token-signing', kid: set.signer.kid },
      { purpose: 'xid-token-signing', kid: set.next.kid },
    ]);
    // What is stored is the ciphertext: no private key bytes, no PEM, in the item.
    const item = JSON.stringify(world.stored);
    for (const { plaintext } of world.wrapped) {
      expect(item).not.toContain(plaintext.toString('base64'));
      expect(item).not.toContain(plaintext.toString('base64url'));
    }
    expect(item).not.toMatch(/PRIVATE KEY/);
    // The plaintext handed to KMS was wiped once wrapped.
    for (const { given } of world.wrapped) expect(given.every((b) => b === 0)).toBe(true);
  });

  it('leaves an existing set alone', async () => {
    const first = await ensureTokenKeys(ports);
    world.now = later(MIN_ROTATION_INTERVAL_SECONDS * 10);
    expect(await ensureTokenKeys(ports)).toEqual(first);
    expect(world.writes).toBe(1);
  });

  it('signs with the signer, and its tokens verify against the published keys alone', async () => {
    const set = await ensureTokenKeys(ports);
    expect(verify(set, sign(set.signer, 'acct-1')).sub).toBe('acct-1');
    expect(signingKeyOf(set)).toEqual({
      kid: set.signer.kid,
      publicKey: set.signer.publicKey,
      wrappedPrivateKey: set.signer.wrappedPrivateKey,
    });
  });
});

describe('rotation', () => {
  it('makes the published next key sign, keeps the old signer published, and publishes a new next key', async () => {
    const before = await ensureTokenKeys(ports);
    world.now = later(MIN_ROTATION_INTERVAL_SECONDS);
    const rotated = await rotateTokenKeys(ports);
    expect(rotated.signer).toEqual(before.next);
    expect(rotated.previous).toEqual(before.signer);
    expect([before.signer.kid, before.next.kid]).not.toContain(rotated.next.kid);
    expect(publishedKeysOf(rotated).map((k) => k.kid)).toEqual([
      before.next.kid,
      rotated.next.kid,
      before.signer.kid,
    ]);
  });

  it('lets tokens from either side of a rotation verify on either side (functions take the new keys one by one)', async () => {
    const before = await ensureTokenKeys(ports);
    world.now = later(MIN_ROTATION_INTERVAL_SECONDS);
    const rotated = await rotateTokenKeys(ports);
    const old = sign(before.signer, 'acct-old');
    const fresh = sign(rotated.signer, 'acct-new');
    expect(verify(rotated, old).sub).toBe('acct-old'); // a new verifier, a token from an old signer
    expect(verify(before, fresh).sub).toBe('acct-new'); // an old verifier, a token from a new signer
  });

  it('drops a key two rotations old', async () => {
    const first = await ensureTokenKeys(ports);
    world.now = later(MIN_ROTATION_INTERVAL_SECONDS);
    await rotateTokenKeys(ports);
    world.now = later(2 * MIN_ROTATION_INTERVAL_SECONDS);
    const second = await rotateTokenKeys(ports);
    expect(publishedKeysOf(second).map((k) => k.kid)).not.toContain(first.signer.kid);
    expect(() => verify(second, sign(first.signer, 'acct-1'))).toThrow(/kid/);
  });

  it('is refused sooner than the minimum interval, writing nothing', async () => {
    await ensureTokenKeys(ports);
    world.now = later(MIN_ROTATION_INTERVAL_SECONDS - 1);
    await expect(rotateTokenKeys(ports)).rejects.toThrow(TokenKeyError);
    expect(world.writes).toBe(1);
  });

  it('writes nothing when the set changed meanwhile (two deployments at once)', async () => {
    const stale = await ensureTokenKeys(ports);
    world.now = later(MIN_ROTATION_INTERVAL_SECONDS);
    await rotateTokenKeys(ports);
    const read = ports.readKeySet;
    ports.readKeySet = async () => stale;
    world.now = later(3 * MIN_ROTATION_INTERVAL_SECONDS);
    await expect(rotateTokenKeys(ports)).rejects.toThrow(/changed meanwhile/);
    ports.readKeySet = read;
    expect(world.writes).toBe(2);
  });
});

describe('the key material', () => {
  it('refuses an unwrapped key that is not the one the kid names, and wipes the bytes either way', async () => {
    const set = await ensureTokenKeys(ports);
    const pkcs8 = kmsDecrypt(set.next.wrappedPrivateKey, { purpose: 'xid-token-signing', kid: set.next.kid });
    expect(() => privateKeyOf(set.signer, pkcs8)).toThrow(TokenKeyError);
    expect(pkcs8.every((b) => b === 0)).toBe(true);
  });

  it('cannot be unwrapped under another kid (the encryption context binds it)', async () => {
    const set = await ensureTokenKeys(ports);
    expect(() =>
      kmsDecrypt(set.signer.wrappedPrivateKey, { purpose: 'xid-token-signing', kid: set.next.kid }),
    ).toThrow();
  });

  it('refuses published keys whose kid is not their thumbprint', async () => {
    const set = await ensureTokenKeys(ports);
    const [signer, next] = publishedKeysOf(set) as [StoredTokenKey, StoredTokenKey];
    expect(() => verificationKeysOf([{ kid: next.kid, publicKey: signer.publicKey }])).toThrow(TokenKeyError);
    expect(() => verificationKeysOf([])).toThrow(TokenKeyError);
  });
});

describe('the Custom::TokenKeys resource', () => {
  const event = (type: 'Create' | 'Update' | 'Delete', rotation: string, old?: string) =>
    ({
      RequestType: type,
      ResourceProperties: { ServiceToken: 'x', Rotation: rotation },
      ...(type === 'Create' ? {} : { PhysicalResourceId: 'token-keys' }),
      ...(old ? { OldResourceProperties: { Rotation: old } } : {}),
    }) as Parameters<typeof tokenKeysResource>[0];

  it('answers the published keys and the wrapped signing key for the functions, and rotates on a new label only', async () => {
    const created = await tokenKeysResource(event('Create', 'initial'), ports);
    const set = world.stored as TokenKeySet;
    expect(JSON.parse(created.Data?.PublicKeys ?? '')).toEqual(publishedKeysOf(set));
    expect(JSON.parse(created.Data?.SigningKey ?? '')).toEqual(signingKeyOf(set));
    world.now = later(MIN_ROTATION_INTERVAL_SECONDS);
    const same = await tokenKeysResource(event('Update', 'initial', 'initial'), ports);
    expect(same.Data?.SignerKid).toBe(set.signer.kid);
    const rotated = await tokenKeysResource(event('Update', '2027-04', 'initial'), ports);
    expect(rotated.Data?.SignerKid).toBe(set.next.kid);
    expect(await tokenKeysResource(event('Delete', '2027-04'), ports)).toEqual({
      PhysicalResourceId: 'token-keys',
    });
    expect(world.stored?.signer.kid).toBe(set.next.kid);
  });
});
