import type { DeviceJwk } from '../account/model.ts';
import type { ChallengeClaim, StepUpChallenge } from './model.ts';

/**
 * Step-up challenges (design.md §3.6), behind a port so that how they are kept can change in one adapter:
 * issued for one account, usable once, for 5 minutes. Using one up happens inside the caller's own
 * transaction (the adapter gives a transaction item for it) or, for callers without one, through
 * `useStepUpChallenge`.
 */
export interface StepUpChallengePorts {
  /** A fresh challenge for the account, valid until `expiresAt`. */
  issueStepUpChallenge(accountId: string, expiresAt: Date): Promise<StepUpChallenge>;
  /** Whether the claimed challenge was issued to this account, is unexpired and unused. Reads only. */
  stepUpChallengeUsable(accountId: string, claim: ChallengeClaim, now: Date): Promise<boolean>;
  /** Uses the challenge up on its own (for a caller without a transaction); `challenge_invalid` otherwise. */
  useStepUpChallenge(accountId: string, claim: ChallengeClaim, now: Date): Promise<void>;
}

/** What `POST /v1/me/challenges` needs. */
export interface StepUpPorts extends Pick<StepUpChallengePorts, 'issueStepUpChallenge'> {
  accountExists(accountId: string): Promise<boolean>;
  now(): Date;
}

/** What verifying a sign proof needs: the challenges and the account's sign key. */
export interface SignProofPorts extends Pick<StepUpChallengePorts, 'stepUpChallengeUsable'> {
  deviceKey(accountId: string, key: 'sign'): Promise<DeviceJwk | undefined>;
  now(): Date;
}
