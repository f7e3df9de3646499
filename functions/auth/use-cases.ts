import type { CustomResourceRequest } from '../platform-applications/use-cases.ts';
import { ProblemError } from '../shared/problems.ts';
import { TOKEN_TTL_SECONDS } from './jwt.ts';
import type { AuthPorts, TokenKeyPorts } from './ports.ts';
import { proofPayload, verifyProof } from './proofs.ts';
import type {
  ActivationProofPayload,
  SessionChallengeResponse,
  SessionProofPayload,
  TokenResponse,
} from './schemas.ts';
import { tokenKeysProperties } from './schemas.ts';
import {
  initialSet,
  newTokenKeyPair,
  publishedKeysOf,
  rotated,
  type StoredTokenKey,
  signingKeyOf,
  type TokenKeySet,
  tokenKeyContext,
} from './token-key-set.ts';

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
  if (!valid) throw new ProblemError('proof_invalid');
  // Sign first, commit last: if signing fails nothing is committed and the same proofs work again.
  const { token } = await ports.mintToken(accountId, state.tokenGeneration, state.municipality);
  await ports.activate(
    accountId,
    activation.nonce,
    now,
    { type: 'activated', at: now },
    state.activity ?? null,
  );
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
  const [state, authKey] = await Promise.all([
    ports.accountState(accountId),
    ports.deviceKey(accountId, 'auth'),
  ]);
  const expected: SessionProofPayload = { type: 'xid/session/v1', accountId, nonce };
  // A resident whose certificate was revoked still signs in (design.md §3.7): only re-verification waits.
  const signsIn = state?.status === 'active' || state?.status === 'reverification_required';
  // No account, or not one that signs in: the same answer as a wrong proof, and nothing written.
  if (!state || !signsIn || !authKey || !verifyProof(input.proof, expected, authKey)) {
    throw new ProblemError('proof_invalid');
  }
  // Sign first, commit last: if signing fails the challenge is not used and the same proof works again.
  const { token } = await ports.mintToken(accountId, state.tokenGeneration, state.municipality);
  await ports.consumeSessionChallenge(
    { challengeId: input.challengeId, expiresAt: challenge.expiresAt },
    accountId,
    state.tokenGeneration,
    now,
    { type: 'signed_in', at: now },
    state.activity ?? null,
  );
  return tokenResponse(accountId, token);
}

/** A new key pair whose private key leaves this function only wrapped by KMS (the plaintext is wiped). */
async function newStoredKey(ports: TokenKeyPorts): Promise<StoredTokenKey> {
  const { verification, publicKey, privateKey } = newTokenKeyPair();
  try {
    return {
      kid: verification.kid,
      publicKey: publicKey.toString('base64url'),
      wrappedPrivateKey: await ports.wrapPrivateKey(privateKey, tokenKeyContext(verification.kid)),
      createdAt: ports.now().toISOString(),
    };
  } finally {
    privateKey.fill(0);
  }
}

/** The token keys exist: made on the first deployment (or local start), left as they are afterwards. */
export async function ensureTokenKeys(ports: TokenKeyPorts): Promise<TokenKeySet> {
  const existing = await ports.readKeySet();
  if (existing) return existing;
  const set = initialSet(await newStoredKey(ports), await newStoredKey(ports), ports.now());
  await ports.writeKeySet(set, undefined);
  return set;
}

/** A rotation (token-key-set.ts `rotated`); the first call on a stage without keys makes them instead. */
export async function rotateTokenKeys(ports: TokenKeyPorts): Promise<TokenKeySet> {
  const existing = await ports.readKeySet();
  if (!existing) return ensureTokenKeys(ports);
  const set = rotated(existing, await newStoredKey(ports), ports.now());
  await ports.writeKeySet(set, existing);
  return set;
}

/** What the token-keys custom resource hands to the functions' environment. */
export interface TokenKeyAttributes {
  /** JSON of the published keys (`XID_TOKEN_KEYS`), the signer first. */
  PublicKeys: string;
  /** JSON of the wrapped signing key (`XID_TOKEN_SIGNING_KEY`). */
  SigningKey: string;
  SignerKid: string;
}

/**
 * The custom resource behind `Custom::TokenKeys` (lib/constructs/token-keys.ts): created with the stage,
 * it makes the first keys; a new `Rotation` label in the stage configuration rotates at the next
 * deployment; deleting it leaves the keys with the table (which outlives the stack in production). Either
 * way it answers the set as the functions' environment wants it.
 */
export async function tokenKeysResource(
  request: CustomResourceRequest,
  ports: TokenKeyPorts,
): Promise<{ PhysicalResourceId: string; Data?: TokenKeyAttributes }> {
  const PhysicalResourceId = 'token-keys';
  if (request.RequestType === 'Delete') return { PhysicalResourceId };
  const props = tokenKeysProperties.parse(request.ResourceProperties);
  const old =
    request.RequestType === 'Update'
      ? tokenKeysProperties.partial().parse(request.OldResourceProperties)
      : undefined;
  const set =
    old && old.Rotation !== props.Rotation ? await rotateTokenKeys(ports) : await ensureTokenKeys(ports);
  return {
    PhysicalResourceId,
    Data: {
      PublicKeys: JSON.stringify(publishedKeysOf(set)),
      SigningKey: JSON.stringify(signingKeyOf(set)),
      SignerKid: set.signer.kid,
    },
  };
}
