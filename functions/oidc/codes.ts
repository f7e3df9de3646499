import { createHash } from 'node:crypto';

/**
 * Short secrets of the authorization flow: the user code a resident types into the app (RFC 8628 §6.1's
 * alphabet: consonants only, no look-alikes, no words), the PKCE check (RFC 7636 §4.6), and the hashes
 * under which secrets are stored (an authorization code or a browser binding is never stored itself).
 */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const USER_CODE_LENGTH = 8;

/** A user code `XXXX-XXXX` (20^8 ≈ 2^34.6), drawn with `randomInt(max)` (uniform in [0, max)). */
export function newUserCode(randomInt: (max: number) => number): string {
  let code = '';
  for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/**
 * A user code as typed: any case, with or without the hyphen or spaces. Undefined when it cannot be one
 * (another length, a letter outside the alphabet).
 */
export function normaliseUserCode(input: string): string | undefined {
  const letters = input.toUpperCase().replace(/[\s-]/g, '');
  if (letters.length !== USER_CODE_LENGTH || ![...letters].every((c) => USER_CODE_ALPHABET.includes(c)))
    return undefined;
  return `${letters.slice(0, 4)}-${letters.slice(4)}`;
}

/** A code verifier as RFC 7636 §4.1 allows: 43–128 unreserved characters. */
export const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/** Whether `BASE64URL(SHA-256(ASCII(verifier)))` is the challenge (the `S256` method). */
export function pkceMatches(verifier: string, challenge: string): boolean {
  if (!CODE_VERIFIER.test(verifier)) return false;
  return createHash('sha256').update(verifier, 'ascii').digest('base64url') === challenge;
}

/** The SHA-256 (base64url) under which a secret is stored and found. */
export const secretHash = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('base64url');
