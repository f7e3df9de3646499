import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { GenerateMacCommand, kmsClient } from './kms-client.ts';

/**
 * The challenge MAC key (functions/shared/challenges.ts), derived from the stage's KMS HMAC key: one
 * `GenerateMac` over a fixed label, once per container, then kept in memory. Every container derives the
 * same key, so any of them checks a challenge another made; the KMS key itself never leaves KMS, and a
 * warm request makes no KMS call. Changing the label's version changes the key (every open challenge then
 * fails once, which costs a resident one retry).
 */
export const CHALLENGE_KEY_LABEL = 'xid/challenge-mac-key/v1';

let key: Promise<Buffer> | undefined;

/** The derived key (memoised; a failed derivation is tried again on the next call). */
export function challengeMacKey(): Promise<Buffer> {
  key ??= (async () => {
    const { Mac } = await kmsClient.send(
      new GenerateMacCommand({
        KeyId: required(ENV.challengeKeyId),
        MacAlgorithm: 'HMAC_SHA_256',
        Message: Buffer.from(CHALLENGE_KEY_LABEL, 'utf8'),
      }),
    );
    if (Mac?.length !== 32) throw new Error('KMS returned no 32-byte MAC');
    return Buffer.from(Mac);
  })().catch((error: unknown) => {
    key = undefined;
    throw error;
  });
  return key;
}
