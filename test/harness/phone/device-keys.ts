import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  randomBytes,
  scrypt,
} from 'node:crypto';

/**
 * The app's two device keys (design.md §2): P-256 key pairs made on the phone, the *auth key* unlocked by
 * PIN1 and the *sign key* by PIN2. Each private key is kept only encrypted (AES-256-GCM) under a key
 * derived from its PIN with scrypt, a deliberately slow KDF; the PINs themselves are never stored. A wrong
 * PIN fails the GCM tag check; after `maxAttempts` wrong PINs in a row both keys are erased, and the
 * resident must register again with the card.
 */
export type DeviceKeyName = 'auth' | 'sign';

export const PIN_RULES: Record<DeviceKeyName, { pattern: RegExp; description: string }> = {
  auth: { pattern: /^\d{4,12}$/, description: 'PIN1 is 4 to 12 digits' },
  sign: { pattern: /^\d{6,12}$/, description: 'PIN2 is 6 to 12 digits' },
};

export interface KdfCost {
  /** scrypt N (CPU/memory cost, a power of two), r and p. */
  N: number;
  r: number;
  p: number;
}

/** Production-grade on a phone (~32 MiB, tens of ms here); tests may pass a cheaper cost. */
export const DEFAULT_KDF: KdfCost = { N: 2 ** 15, r: 8, p: 1 };
export const DEFAULT_MAX_ATTEMPTS = 5;

export class PinError extends Error {
  override name = 'PinError';
  constructor(
    readonly code: 'pin_format' | 'pin_incorrect' | 'keys_erased',
    message: string,
    readonly attemptsLeft: number,
  ) {
    super(message);
  }
}

interface SealedKey {
  salt: Buffer;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
  publicJwk: JsonWebKey;
}

function derive(pin: string, salt: Buffer, cost: KdfCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(pin, salt, 32, { ...cost, maxmem: 256 * cost.N * cost.r }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

async function seal(name: DeviceKeyName, pin: string, cost: KdfCost): Promise<SealedKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', await derive(pin, salt, cost), iv);
  cipher.setAAD(Buffer.from(`xid-device-key/${name}`));
  const ciphertext = Buffer.concat([
    cipher.update(privateKey.export({ format: 'der', type: 'pkcs8' })),
    cipher.final(),
  ]);
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  return { salt, iv, ciphertext, tag: cipher.getAuthTag(), publicJwk: { kty, crv, x, y } };
}

export class DeviceKeys {
  private failures = 0;
  private erased = false;

  private constructor(
    private readonly sealed: Record<DeviceKeyName, SealedKey>,
    private readonly cost: KdfCost,
    private readonly maxAttempts: number,
  ) {}

  /** Sets PIN1 and PIN2 (guide steps PIN1の設定, PIN2の設定) and makes the two key pairs. */
  static async create(
    pin1: string,
    pin2: string,
    options: { kdf?: KdfCost; maxAttempts?: number } = {},
  ): Promise<DeviceKeys> {
    for (const [name, pin] of [
      ['auth', pin1],
      ['sign', pin2],
    ] as const) {
      if (!PIN_RULES[name].pattern.test(pin))
        throw new PinError('pin_format', PIN_RULES[name].description, -1);
    }
    const cost = options.kdf ?? DEFAULT_KDF;
    const [auth, sign] = await Promise.all([seal('auth', pin1, cost), seal('sign', pin2, cost)]);
    return new DeviceKeys({ auth, sign }, cost, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  }

  /** The public key as a JWK `{kty, crv, x, y}`, as it goes into the registration statement. */
  publicJwk(name: DeviceKeyName): JsonWebKey {
    return { ...this.sealed[name].publicJwk };
  }

  get attemptsLeft(): number {
    return this.erased ? 0 : this.maxAttempts - this.failures;
  }

  /**
   * The private key for one signature. A PIN of the wrong shape is refused without counting (the app's
   * keypad would not submit it); a wrong PIN of the right shape is counted, and the last one erases both.
   */
  async unlock(name: DeviceKeyName, pin: string): Promise<KeyObject> {
    if (this.erased)
      throw new PinError('keys_erased', 'too many wrong PINs: register again with the card', 0);
    if (!PIN_RULES[name].pattern.test(pin))
      throw new PinError('pin_format', PIN_RULES[name].description, this.attemptsLeft);
    const sealed = this.sealed[name];
    try {
      const decipher = createDecipheriv('aes-256-gcm', await derive(pin, sealed.salt, this.cost), sealed.iv);
      decipher.setAAD(Buffer.from(`xid-device-key/${name}`));
      decipher.setAuthTag(sealed.tag);
      const der = Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
      this.failures = 0;
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } catch {
      this.failures += 1;
      if (this.failures >= this.maxAttempts) {
        this.erased = true;
        for (const key of Object.values(this.sealed)) key.ciphertext.fill(0);
        throw new PinError('keys_erased', 'too many wrong PINs: the keys were erased', 0);
      }
      throw new PinError('pin_incorrect', `wrong ${name === 'auth' ? 'PIN1' : 'PIN2'}`, this.attemptsLeft);
    }
  }
}
