import { ProblemError } from '../shared/problems.ts';
import { TOKEN_TTL_SECONDS } from './jwt.ts';
import type { AuthPorts } from './ports.ts';
import { proofPayload, verifyProof } from './proofs.ts';
import type {
  ActivationProofPayload,
  SessionChallengeResponse,
  SessionProofPayload,
  TokenResponse,
} from './schemas.ts';

/**
 * Activation (guide step 6, IDの有効化) and later logins: the device keys bound by the card at registration
 * stand in for the card. A failed proof changes nothing and never locks an account (design.md §3.6): proofs
 * are ECDSA signatures, not guessable secrets, and the account id is no secret, so a per-account counter
 * would only let strangers lock residents out. Abuse is limited per client address and per route instead
 * (the firewall's rate rules, and the local gateway's).
 */

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
  const status = await ports.accountStatus(accountId);
  if (!status) throw new ProblemError('not_found', 'No such account');
  if (status === 'reverification_required') throw new ProblemError('reverification_required');
  if (status !== 'pending_activation') throw new ProblemError('already_active');
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
  if (!valid) throw new ProblemError('proof_invalid');
  // Sign first, commit last: if signing fails nothing is committed and the same proofs work again.
  const { token } = await ports.mintToken(accountId);
  await ports.activate(accountId, activation.nonce, now);
  return tokenResponse(accountId, token);
}

/**
 * `POST /v1/sessions/challenges`: a nonce for a later login, bound to the account. Stateless: nothing is
 * read or written, so the answer is the same whether or not the account exists or is active, and asking
 * costs no write.
 */
export async function createSessionChallenge(
  accountId: string,
  ports: Pick<AuthPorts, 'challenges' | 'now'>,
): Promise<SessionChallengeResponse> {
  const challenge = await ports.challenges.issue('session', accountId, ports.now());
  return {
    challengeId: challenge.challengeId,
    nonce: challenge.nonce,
    expiresAt: challenge.expiresAt.toISOString(),
  };
}

/**
 * `POST /v1/sessions`: a proof by the auth key (PIN1) over the session challenge. The account is the one the
 * proof names; the challenge must have been made for it (its nonce is a MAC over it), be unexpired, and be
 * used here for the first time.
 */
export async function login(
  input: { challengeId: string; proof: string },
  ports: AuthPorts,
): Promise<TokenResponse> {
  const now = ports.now();
  const claimed = proofPayload(input.proof);
  const accountId = typeof claimed?.accountId === 'string' ? claimed.accountId : undefined;
  const nonce = typeof claimed?.nonce === 'string' ? claimed.nonce : undefined;
  if (!accountId || !nonce) throw new ProblemError('proof_invalid');
  const challenge = await ports.challenges.check(
    'session',
    { challengeId: input.challengeId, nonce },
    accountId,
    now,
  );
  if (!challenge.valid) throw new ProblemError('challenge_invalid');
  const [status, authKey] = await Promise.all([
    ports.accountStatus(accountId),
    ports.deviceKey(accountId, 'auth'),
  ]);
  const expected: SessionProofPayload = { type: 'xid/session/v1', accountId, nonce };
  // A resident whose certificate was revoked still signs in (design.md §3.7): only re-verification waits.
  const signsIn = status === 'active' || status === 'reverification_required';
  // No account, or not one that signs in: the same answer as a wrong proof, and nothing written.
  if (!signsIn || !authKey || !verifyProof(input.proof, expected, authKey)) {
    throw new ProblemError('proof_invalid');
  }
  // Sign first, commit last: if signing fails the challenge is not used and the same proof works again.
  const { token } = await ports.mintToken(accountId);
  await ports.useChallenge({ challengeId: input.challengeId, expiresAt: challenge.expiresAt });
  return tokenResponse(accountId, token);
}
