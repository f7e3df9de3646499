import { generateKeyPair, type KeyObject, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';

const generate = promisify(generateKeyPair);

export interface RsaKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A fresh RSA key pair (e = 65537). */
export async function rsaKeyPair(bits = 2048): Promise<RsaKeyPair> {
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
