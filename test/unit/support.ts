import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { DeviceJwk } from '#functions/account/model';
import { ProblemError } from '#functions/shared/problems';

/** Helpers the use-case tests share. */

/** The problem code a use case refused with, or `ok` when it did not; any other error is rethrown. */
export async function codeOf(run: Promise<unknown>): Promise<string> {
  try {
    await run;
    return 'ok';
  } catch (error) {
    if (error instanceof ProblemError) return error.code;
    throw error;
  }
}

/** A P-256 device key pair, as the phone makes one: the private key and the public JWK the server keeps. */
export function deviceKeyPair(): { privateKey: KeyObject; jwk: DeviceJwk } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { x, y } = publicKey.export({ format: 'jwk' });
  return { privateKey, jwk: { kty: 'EC', crv: 'P-256', x: x as string, y: y as string } };
}
