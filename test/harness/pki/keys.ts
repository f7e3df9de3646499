import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject, webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const generate = promisify(generateKeyPair);

export interface RsaKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/**
 * Pre-generated RSA-2048 test keys (`key-pool.json`, made by `make-key-pool.ts`), each handed out once per
 * process before any is generated: a test file that issues a dozen cards then costs no key generation,
 * which on a loaded two-core machine can take seconds.
 */
let pool: string[] | undefined;

function pooledKey(): RsaKeyPair | undefined {
  pool ??= (
    JSON.parse(readFileSync(new URL('./key-pool.json', import.meta.url), 'utf8')) as { keys: string[] }
  ).keys;
  const der = pool.shift();
  if (!der) return undefined;
  const privateKey = createPrivateKey({ key: Buffer.from(der, 'base64'), format: 'der', type: 'pkcs8' });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/**
 * An RSA key pair (e = 65537) no other caller of this process has: a pooled test key while the pool
 * lasts (2048 bits only), then a fresh one. `fresh` always generates (a CA that outlives the process).
 */
export async function rsaKeyPair(bits = 2048, options: { fresh?: boolean } = {}): Promise<RsaKeyPair> {
  const pooled = bits === 2048 && !options.fresh ? pooledKey() : undefined;
  if (pooled) return pooled;
  const { privateKey, publicKey } = await generate('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  return { privateKey, publicKey };
}

export type HashName = 'SHA-1' | 'SHA-256';

/** The pair as WebCrypto keys for @peculiar/x509, bound to one hash (WebCrypto RSA keys carry theirs). */
export async function webCryptoPair(pair: RsaKeyPair, hash: HashName): Promise<CryptoKeyPair> {
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash };
  const privateKey = await webcrypto.subtle.importKey(
    'pkcs8',
    pair.privateKey.export({ format: 'der', type: 'pkcs8' }),
    algorithm,
    true,
    ['sign'],
  );
  const publicKey = await webcrypto.subtle.importKey(
    'spki',
    pair.publicKey.export({ format: 'der', type: 'spki' }),
    algorithm,
    true,
    ['verify'],
  );
  return { privateKey, publicKey };
}
