import { verifyProof } from '../auth/proofs.ts';
import { ProblemError } from '../shared/problems.ts';
import { type ChallengeClaim, STEP_UP_TTL_SECONDS, signProofType } from './model.ts';
import type { SignProofPorts, StepUpPorts } from './ports.ts';
import type { StepUpChallengeResponse } from './schemas.ts';

/**
 * Step-up proofs (design.md §3.6): PIN2's sign key confirms a sensitive request (re-verification,
 * deletion, …). A failed proof never locks the account: the PINs never leave the phone, so a proof is an
 * ECDSA signature, not a guessable secret, and no stranger can lock a resident out.
 */

/** `POST /v1/me/challenges`: a challenge for this account, single use, 5 minutes. */
export async function createStepUpChallenge(
  accountId: string,
  ports: StepUpPorts,
): Promise<StepUpChallengeResponse> {
  if (!(await ports.accountExists(accountId))) throw new ProblemError('unauthorized');
  const expiresAt = new Date(ports.now().getTime() + STEP_UP_TTL_SECONDS * 1000);
  const challenge = await ports.issueStepUpChallenge(accountId, expiresAt);
  return {
    challengeId: challenge.challengeId,
    nonce: challenge.nonce,
    expiresAt: challenge.expiresAt.toISOString(),
  };
}

/** The challenge a compact JWS's payload names, read without trusting it (the signature is checked after). */
function claimOf(jws: string): ChallengeClaim | undefined {
  try {
    const payload = JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      challengeId?: unknown;
      nonce?: unknown;
    };
    const { challengeId, nonce } = payload;
    return typeof challengeId === 'string' && typeof nonce === 'string' ? { challengeId, nonce } : undefined;
  } catch {
    return undefined;
  }
}

/** What a sign proof must be over, besides the challenge. */
export interface ExpectedSignProof {
  /** `deletion`, `reverification`, …: the proof's type is `xid/<purpose>/v1`. */
  purpose: string;
  accountId: string;
  /** Further members the signed object must have (the statement's own, say). */
  fields?: Record<string, unknown>;
  /** The challenge, when the request names it elsewhere (a statement); otherwise read from the proof. */
  challenge?: ChallengeClaim;
}

/**
 * Checks a sign proof: a JWS (ES256) by the account's sign key over exactly
 * `{"type": "xid/<purpose>/v1", "accountId", "challengeId", "nonce", …fields}`, the challenge issued to
 * this account, unexpired and unused. The object is rebuilt here from the server's side and compared
 * byte for byte, so a proof for one purpose, account or challenge never serves another. Answers the
 * challenge, which the caller uses up in its own transaction (or with `useStepUpChallenge`).
 *
 * `challenge_invalid` (409) when the challenge is not usable; `proof_invalid` (422) when the proof is not
 * the sign key's over that object.
 */
export async function verifySignProof(
  jws: string,
  expected: ExpectedSignProof,
  ports: SignProofPorts,
): Promise<ChallengeClaim> {
  const claim = expected.challenge ?? claimOf(jws);
  if (!claim) throw new ProblemError('proof_invalid');
  const { accountId } = expected;
  if (!(await ports.stepUpChallengeUsable(accountId, claim, ports.now()))) {
    throw new ProblemError('challenge_invalid');
  }
  const signKey = await ports.deviceKey(accountId, 'sign');
  const object = {
    ...expected.fields,
    type: signProofType(expected.purpose),
    accountId,
    challengeId: claim.challengeId,
    nonce: claim.nonce,
  };
  if (!signKey || !verifyProof(jws, object, signKey)) throw new ProblemError('proof_invalid');
  return claim;
}
