import { ProblemError } from '../shared/problems.ts';
import { TOKEN_TTL_SECONDS } from './jwt.ts';
import type { AuthPorts, SessionChallenge } from './ports.ts';
import { verifyProof } from './proofs.ts';
import type {
  ActivationProofPayload,
  SessionChallengeResponse,
  SessionProofPayload,
  TokenResponse,
} from './schemas.ts';

/**
 * Activation (guide step 6, IDの有効化) and later logins: the device keys bound by the card at registration
 * stand in for the card. Failed proofs are counted per account; past the limit the account
 * answers 429 until the window passes.
 */
export const FAILURE_LIMIT = 10;
export const FAILURE_WINDOW_SECONDS = 15 * 60;
export const SESSION_CHALLENGE_TTL_SECONDS = 5 * 60;

async function guard(ports: AuthPorts, accountId: string, now: Date): Promise<void> {
  const failures = await ports.failures(accountId, now);
  if (failures && failures.count >= FAILURE_LIMIT) {
    const retryAfterSeconds = Math.max(1, Math.ceil((failures.windowEnds.getTime() - now.getTime()) / 1000));
    throw new ProblemError('rate_limited', 'Too many failed proofs for this account', { retryAfterSeconds });
  }
}

async function refuseProof(ports: AuthPorts, accountId: string, now: Date): Promise<never> {
  await ports.recordFailure(accountId, now, FAILURE_WINDOW_SECONDS);
  throw new ProblemError('proof_invalid');
}

const tokenResponse = (accountId: string, token: string): TokenResponse => ({
  accountId,
  accessToken: token,
  tokenType: 'Bearer',
  expiresIn: TOKEN_TTL_SECONDS,
});

/** `POST /v1/accounts/{accountId}/activation`: PIN1's auth key, then PIN2's sign key, over the activation nonce. */
export async function activate(
  accountId: string,
  proofs: { authProof: string; signProof: string },
  ports: AuthPorts,
): Promise<TokenResponse> {
  const now = ports.now();
  await guard(ports, accountId, now);
  const state = await ports.accountState(accountId);
  if (!state) throw new ProblemError('not_found', 'No such account');
  if (state.status === 'reverification_required') throw new ProblemError('reverification_required');
  if (state.status !== 'pending_activation') throw new ProblemError('already_active');
  const activation = await ports.activationNonce(accountId);
  if (!activation || activation.expiresAt <= now)
    throw new ProblemError('challenge_invalid', 'The activation nonce is used or expired');
  const [authKey, signKey] = await Promise.all([
    ports.deviceKey(accountId, 'auth'),
    ports.deviceKey(accountId, 'sign'),
  ]);
  const statement = (key: 'auth' | 'sign'): ActivationProofPayload => ({
    type: 'xid/activation/v1',
    accountId,
    nonce: activation.nonce,
    key,
  });
  const valid =
    authKey !== undefined &&
    signKey !== undefined &&
    verifyProof(proofs.authProof, statement('auth'), authKey) &&
    verifyProof(proofs.signProof, statement('sign'), signKey);
  if (!valid) await refuseProof(ports, accountId, now);
  // Sign first, commit last: if signing fails nothing is committed and the same proofs work again.
  const { token } = await ports.mintToken(accountId, state.tokenGeneration);
  await ports.activate(
    accountId,
    activation.nonce,
    now,
    { type: 'activated', at: now },
    state.activity ?? null,
  );
  return tokenResponse(accountId, token);
}

/** `POST /v1/sessions/challenges`: a nonce for a later login. Says nothing about whether the account exists. */
export async function createSessionChallenge(
  accountId: string,
  ports: AuthPorts,
): Promise<SessionChallengeResponse> {
  const challenge: SessionChallenge = {
    challengeId: ports.newId(),
    accountId,
    nonce: ports.newNonce(),
    expiresAt: new Date(ports.now().getTime() + SESSION_CHALLENGE_TTL_SECONDS * 1000),
  };
  await ports.saveSessionChallenge(challenge);
  return {
    challengeId: challenge.challengeId,
    nonce: challenge.nonce,
    expiresAt: challenge.expiresAt.toISOString(),
  };
}

/** `POST /v1/sessions`: a proof by the auth key (PIN1) over the session challenge. */
export async function login(
  input: { challengeId: string; proof: string },
  ports: AuthPorts,
): Promise<TokenResponse> {
  const now = ports.now();
  const challenge = await ports.sessionChallenge(input.challengeId);
  if (!challenge || challenge.expiresAt <= now) throw new ProblemError('challenge_invalid');
  const { accountId } = challenge;
  await guard(ports, accountId, now);
  const [state, authKey] = await Promise.all([
    ports.accountState(accountId),
    ports.deviceKey(accountId, 'auth'),
  ]);
  const expected: SessionProofPayload = { type: 'xid/session/v1', accountId, nonce: challenge.nonce };
  // No account behind the challenge: the same answer, but nothing to count (and nothing written).
  if (!state) throw new ProblemError('proof_invalid');
  // A resident whose certificate was revoked still signs in (design.md §3.7): only re-verification waits.
  const signsIn = state.status === 'active' || state.status === 'reverification_required';
  if (!signsIn || !authKey || !verifyProof(input.proof, expected, authKey)) {
    await refuseProof(ports, accountId, now);
  }
  const { token } = await ports.mintToken(accountId, state.tokenGeneration);
  await ports.consumeSessionChallenge(
    input.challengeId,
    accountId,
    state.tokenGeneration,
    now,
    { type: 'signed_in', at: now },
    state.activity ?? null,
  );
  return tokenResponse(accountId, token);
}
