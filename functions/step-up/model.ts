/**
 * Step-up proofs (design.md §3.6): a challenge bound to one account, answered by a JWS of the account's
 * sign key (PIN2). What a challenge is, as the use cases see it; how it is kept (an item per challenge
 * today, a MAC later) is the adapter's business.
 */
export interface StepUpChallenge {
  challengeId: string;
  nonce: string;
  expiresAt: Date;
}

/** What a sign proof names of its challenge: the two values the server gave out. */
export interface ChallengeClaim {
  challengeId: string;
  nonce: string;
}

export const STEP_UP_TTL_SECONDS = 5 * 60;

/** The `type` member of a sign proof for a purpose: `xid/<purpose>/v1`. */
export const signProofType = (purpose: string) => `xid/${purpose}/v1`;
