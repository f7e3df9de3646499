import type { AccountStore } from '../adapters/account-store.ts';
import { Failure } from '../shared/problems.ts';
import { TOKEN_TTL_SECONDS, type TokenClaims } from './jwt.ts';
import { verifyProof } from './proofs.ts';

/**
 * Activation (guide step 6, IDの有効化), later logins, and `GET /v1/me`: the device keys bound by the card at
 * registration stand in for the card. Failed proofs are counted per account; past the limit the account
 * answers 429 until the window passes.
 */
export const FAILURE_LIMIT = 10;
export const FAILURE_WINDOW_SECONDS = 15 * 60;
export const SESSION_CHALLENGE_TTL_SECONDS = 5 * 60;

export interface AuthPorts {
  store: AccountStore;
  mintToken(accountId: string): Promise<{ token: string; claims: TokenClaims }>;
  openFields(
    accountId: string,
    wrappedDataKey: string,
    sealed: Record<string, { iv: string; ciphertext: string; tag: string }>,
  ): Promise<Record<string, string>>;
  newId(): string;
  newNonce(): string;
  now(): Date;
}

async function guard(ports: AuthPorts, accountId: string, now: Date): Promise<void> {
  const failures = await ports.store.failures(accountId, now);
  if (failures && failures.count >= FAILURE_LIMIT) {
    const retryAfterSeconds = Math.max(1, Math.ceil((failures.windowEnds.getTime() - now.getTime()) / 1000));
    throw new Failure('rate_limited', 'Too many failed proofs for this account', { retryAfterSeconds });
  }
}

async function refuseProof(ports: AuthPorts, accountId: string, now: Date): Promise<never> {
  await ports.store.recordFailure(accountId, now, FAILURE_WINDOW_SECONDS);
  throw new Failure('proof_invalid');
}

const tokenResponse = (accountId: string, token: string) => ({
  accountId,
  accessToken: token,
  tokenType: 'Bearer' as const,
  expiresIn: TOKEN_TTL_SECONDS,
});

/** `POST /v1/accounts/{accountId}/activation`: PIN1's auth key, then PIN2's sign key, over the activation nonce. */
export async function activate(
  accountId: string,
  proofs: { authProof: string; signProof: string },
  ports: AuthPorts,
) {
  const now = ports.now();
  await guard(ports, accountId, now);
  const account = await ports.store.account(accountId);
  if (!account) throw new Failure('not_found', 'No such account');
  if (account.status !== 'pending_activation') throw new Failure('already_active');
  const activation = await ports.store.activationNonce(accountId);
  if (!activation || activation.expiresAt <= now)
    throw new Failure('challenge_invalid', 'The activation nonce is used or expired');
  const [authKey, signKey] = await Promise.all([
    ports.store.deviceKey(accountId, 'auth'),
    ports.store.deviceKey(accountId, 'sign'),
  ]);
  const statement = (key: 'auth' | 'sign') => ({
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
  await ports.store.activate(accountId, activation.nonce, now);
  return tokenResponse(accountId, (await ports.mintToken(accountId)).token);
}

/** `POST /v1/sessions/challenges`: a nonce for a later login. Says nothing about whether the account exists. */
export async function createSessionChallenge(accountId: string, ports: AuthPorts) {
  const challenge = {
    challengeId: ports.newId(),
    accountId,
    nonce: ports.newNonce(),
    expiresAt: new Date(ports.now().getTime() + SESSION_CHALLENGE_TTL_SECONDS * 1000),
  };
  await ports.store.saveSessionChallenge(challenge);
  return {
    challengeId: challenge.challengeId,
    nonce: challenge.nonce,
    expiresAt: challenge.expiresAt.toISOString(),
  };
}

/** `POST /v1/sessions`: a proof by the auth key (PIN1) over the session challenge. */
export async function login(input: { challengeId: string; proof: string }, ports: AuthPorts) {
  const now = ports.now();
  const challenge = await ports.store.sessionChallenge(input.challengeId);
  if (!challenge || challenge.expiresAt <= now) throw new Failure('challenge_invalid');
  const { accountId } = challenge;
  await guard(ports, accountId, now);
  const [account, authKey] = await Promise.all([
    ports.store.account(accountId),
    ports.store.deviceKey(accountId, 'auth'),
  ]);
  const expected = { type: 'xid/session/v1', accountId, nonce: challenge.nonce };
  // No account behind the challenge: the same answer, but nothing to count (and nothing written).
  if (!account) throw new Failure('proof_invalid');
  if (account.status !== 'active' || !authKey || !verifyProof(input.proof, expected, authKey)) {
    await refuseProof(ports, accountId, now);
  }
  await ports.store.consumeSessionChallenge(input.challengeId, now);
  return tokenResponse(accountId, (await ports.mintToken(accountId)).token);
}

/** `GET /v1/me`: the resident's own record, with the three sealed items opened (one KMS Decrypt at most). */
export async function me(accountId: string, ports: AuthPorts) {
  const account = await ports.store.account(accountId);
  if (!account) throw new Failure('unauthorized', 'The token names no account');
  const { addressFlags: _flags, ...sealed } = account.sealed;
  const open = await ports.openFields(accountId, account.wrappedDataKey, sealed);
  const email = account.email
    ? {
        address: account.email.address,
        verified: account.email.verified,
        deliverable: account.email.deliverable,
      }
    : null;
  return {
    accountId,
    status: account.status,
    name: account.name,
    gender: open.gender,
    dateOfBirth: open.dateOfBirth,
    address: open.address,
    municipality: { code: account.municipality.code, name: account.municipality.name },
    email,
    emailVerified: email?.verified ?? false,
  };
}
