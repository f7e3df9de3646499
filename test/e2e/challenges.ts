import { challengeMacKey } from '#functions/adapters/challenge-key';
import { type Challenge, type ChallengePurpose, challenges } from '#functions/shared/challenges';
import type { RuntimeRecord } from '#lib/local/runtime';

/**
 * Challenges as the local runtime would have made them at another time (an expired one, say), with its own
 * challenge key from the local KMS: what a test needs to reach the expiry check without waiting 5 minutes.
 */
export function challengeMaker(record: RuntimeRecord) {
  Object.assign(process.env, record.environment);
  const codec = challenges(challengeMacKey);
  return {
    madeAt: (purpose: ChallengePurpose, binding: string, at: Date): Promise<Challenge> =>
      codec.issue(purpose, binding, at),
  };
}
