import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Stateless challenges (design.md §3.1): nothing is stored when a challenge is made, so asking for one
 * costs no write and a flood of requests fills no table. A challenge is
 *
 * - `challengeId`: a UUIDv7 (RFC 9562) whose time field is when it was made; it expires a fixed time later;
 * - `nonce`: HMAC-SHA-256, under the challenge MAC key, over the purpose, the challenge id and what the
 *   challenge is bound to (the account, for sessions): 32 bytes, base64url, that only the server can make.
 *
 * Checking one is recomputing the MAC and reading the clock; only its *use* is recorded (a conditional write
 * with TTL, by the caller), which is what makes it single use. The MAC key comes from KMS (see
 * `adapters/challenge-key.ts`): derived once per container, so a warm request makes no KMS call.
 */
export type ChallengePurpose = 'registration' | 'session';

/** How long a challenge of each purpose lives, in seconds. */
export const CHALLENGE_TTL_SECONDS: Record<ChallengePurpose, number> = {
  registration: 5 * 60,
  session: 5 * 60,
};

/** Clock difference tolerated between the container that made a challenge and the one checking it. */
const CLOCK_SKEW_MS = 5_000;

export interface Challenge {
  challengeId: string;
  nonce: string;
  expiresAt: Date;
}

export type ChallengeCheck =
  | { valid: true; expiresAt: Date }
  | { valid: false; reason: 'expired' | 'unknown' };

/** What the use cases need: make a challenge, and check one they are given back. */
export interface Challenges {
  issue(purpose: ChallengePurpose, binding: string, now: Date): Promise<Challenge>;
  check(
    purpose: ChallengePurpose,
    challenge: { challengeId: string; nonce: string },
    binding: string,
    now: Date,
  ): Promise<ChallengeCheck>;
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A UUIDv7 for the given time: 48 bits of milliseconds, version 7, 74 random bits, variant 10. */
export function uuidV7(at: Date, random: Buffer = randomBytes(10)): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(at.getTime(), 0, 6);
  random.copy(bytes, 6, 0, 10);
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The time a UUIDv7 carries, or undefined when the string is not a (lower-case) UUIDv7. */
export function uuidV7Time(id: string): Date | undefined {
  if (!UUID_V7.test(id)) return undefined;
  return new Date(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16));
}

/**
 * The challenges under a MAC key. `macKey` is asked for the key on each use and is expected to memoise it;
 * `random` gives the id's random bits (injectable for tests).
 */
export function challenges(
  macKey: () => Promise<Buffer>,
  random: () => Buffer = () => randomBytes(10),
): Challenges {
  const nonceOf = async (purpose: ChallengePurpose, challengeId: string, binding: string) =>
    createHmac('sha256', await macKey())
      .update(`xid/challenge/v1\u0000${purpose}\u0000${challengeId}\u0000${binding}`, 'utf8')
      .digest();
  const ttlMs = (purpose: ChallengePurpose) => CHALLENGE_TTL_SECONDS[purpose] * 1000;
  return {
    async issue(purpose, binding, now) {
      const challengeId = uuidV7(now, random());
      return {
        challengeId,
        nonce: (await nonceOf(purpose, challengeId, binding)).toString('base64url'),
        expiresAt: new Date(now.getTime() + ttlMs(purpose)),
      };
    },
    async check(purpose, { challengeId, nonce }, binding, now) {
      const issued = uuidV7Time(challengeId);
      const given = Buffer.from(nonce, 'base64url');
      if (!issued || given.length !== 32 || given.toString('base64url') !== nonce)
        return { valid: false, reason: 'unknown' };
      const expected = await nonceOf(purpose, challengeId, binding);
      if (!timingSafeEqual(given, expected) || issued.getTime() > now.getTime() + CLOCK_SKEW_MS)
        return { valid: false, reason: 'unknown' };
      const expiresAt = new Date(issued.getTime() + ttlMs(purpose));
      return expiresAt > now ? { valid: true, expiresAt } : { valid: false, reason: 'expired' };
    },
  };
}
