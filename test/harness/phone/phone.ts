import { canonicalBytes } from '#functions/shared/jcs';
import { VirtualJpkiCard } from '../card/jpki-card.ts';
import { type SeenEntry, verifyActivity } from './activity.ts';
import type {
  ApiClient,
  AuthorizationRequestSummary,
  RegistrationResult,
  ReverificationRequest,
  ReverificationResult,
  ReverificationStatement,
  TokenResult,
} from './api.ts';
import { type DeviceKeyName, DeviceKeys, type KdfCost } from './device-keys.ts';
import { JpkiClient } from './jpki-client.ts';
import { signJws } from './jws.ts';
import {
  type ChallengeForStatement,
  type RegistrationStatement,
  registrationStatement,
} from './statement.ts';
import { type ApduTransport, NfcTap } from './transport.ts';

/** The `POST /v1/registrations` body for a card-signed statement. */
export function registrationRequest(signed: CardSignedStatement, consent = true) {
  return {
    statement: signed.statement,
    certificate: signed.certificate,
    signature: signed.signature,
    consents: { identityVerification: consent },
  };
}

/** The `POST /v1/recoveries` body for a card-signed recovery statement. */
export function recoveryRequest(signed: CardSignedStatement) {
  return { statement: signed.statement, certificate: signed.certificate, signature: signed.signature };
}

/** What the card produced at registration, ready for `POST /v1/registrations`. */
export interface CardSignedStatement {
  statement: RegistrationStatement;
  /** base64 DER of the signature certificate, as read from the card. */
  certificate: string;
  /** base64 of the card's 256-byte RSA signature over the statement's JCS bytes. */
  signature: string;
  /** Every APDU of the tap, for tests that check the sequence (none recorded over another transport). */
  exchanges: NfcTap['exchanges'];
}

/**
 * The resident's phone: the app's device keys behind PIN1/PIN2 and its NFC reader. It reaches a card only
 * through APDUs over an `NfcTap`. The API calls are added by the features that need them.
 */
export class VirtualPhone {
  private keys?: DeviceKeys;

  /** Guide steps PIN1の設定 and PIN2の設定: makes the two device key pairs. */
  async setPins(
    pin1: string,
    pin2: string,
    options: { kdf?: KdfCost; maxAttempts?: number } = {},
  ): Promise<void> {
    this.keys = await DeviceKeys.create(pin1, pin2, options);
  }

  get deviceKeys(): DeviceKeys {
    if (!this.keys) throw new Error('set PIN1 and PIN2 first');
    return this.keys;
  }

  /**
   * Guide steps カードを読み取る … 基本情報の確認: one tap, the signature PIN, the certificate read, and the
   * card's signature over the registration statement.
   */
  async signRegistration(
    card: VirtualJpkiCard | ApduTransport,
    signPin: string,
    challenge: ChallengeForStatement,
    type: RegistrationStatement['type'] = 'xid/registration/v1',
  ): Promise<CardSignedStatement> {
    const statement = registrationStatement(
      challenge,
      { auth: this.deviceKeys.publicJwk('auth'), sign: this.deviceKeys.publicJwk('sign') },
      type,
    );
    const tap = card instanceof VirtualJpkiCard ? new NfcTap(card) : card;
    const result = await new JpkiClient(tap).signWithSignatureCertificate(signPin, () =>
      canonicalBytes(statement),
    );
    return {
      statement,
      certificate: result.certificate.toString('base64'),
      signature: result.signature.toString('base64'),
      exchanges: tap instanceof NfcTap ? tap.exchanges : [],
    };
  }

  /**
   * Guide steps 1–5 against the API: read the terms, get a challenge, tap the card, and send the
   * card-signed statement with the identity-verification consent.
   */
  async register(
    api: ApiClient,
    card: VirtualJpkiCard | ApduTransport,
    signPin: string,
  ): Promise<RegistrationResult> {
    const challenge = await api.createRegistrationChallenge();
    const signed = await this.signRegistration(card, signPin, challenge);
    const result = await api.register(registrationRequest(signed));
    this.account = result;
    return result;
  }

  /**
   * 機種変更・再設定 (design.md §3.9), on the new phone (or after new PINs on the same one): a challenge, a
   * tap of the card signing the recovery statement with this phone's new device keys, and
   * `POST /v1/recoveries`. The account then waits for this phone's activation.
   */
  async recover(api: ApiClient, card: VirtualJpkiCard, signPin: string): Promise<RegistrationResult> {
    const challenge = await api.createRegistrationChallenge();
    const signed = await this.signRegistration(card, signPin, challenge, 'xid/recovery/v1');
    const result = await api.recover(recoveryRequest(signed));
    this.account = result;
    this.accessToken = undefined;
    return result;
  }

  /** The account this phone registered, once it has. */
  account?: RegistrationResult;
  /** The last access token the API gave this phone. */
  accessToken?: string;

  private registered(): RegistrationResult {
    if (!this.account) throw new Error('register first');
    return this.account;
  }

  /** The two activation proofs (guide step 6): PIN1 unlocks the auth key, then PIN2 the sign key. */
  async activationProofs(pin1: string, pin2: string, nonce = this.registered().activation.nonce) {
    const { accountId } = this.registered();
    const statement = (key: 'auth' | 'sign') => ({ type: 'xid/activation/v1', accountId, nonce, key });
    return {
      authProof: await this.prove('auth', pin1, statement('auth')),
      signProof: await this.prove('sign', pin2, statement('sign')),
    };
  }

  /** IDの有効化: both proofs, and the access token the API answers with. */
  async activate(api: ApiClient, pin1: string, pin2: string): Promise<TokenResult> {
    const result = await api.activate(this.registered().accountId, await this.activationProofs(pin1, pin2));
    this.accessToken = result.accessToken;
    return result;
  }

  /** A later login: a session challenge, signed by the auth key (PIN1). */
  async login(api: ApiClient, pin1: string): Promise<TokenResult> {
    const { accountId } = this.registered();
    const challenge = await api.createSessionChallenge(accountId);
    const proof = await this.prove('auth', pin1, {
      type: 'xid/session/v1',
      accountId,
      nonce: challenge.nonce,
    });
    const result = await api.createSession({ challengeId: challenge.challengeId, proof });
    this.accessToken = result.accessToken;
    return result;
  }

  /**
   * Re-verification after a move, a marriage or a renewal (design.md §3.8), up to the request: a step-up
   * challenge, one tap of the new card (the signature PIN, the certificate, the card's signature over the
   * statement), and PIN2's sign proof over the same statement.
   */
  async signReverification(
    api: ApiClient,
    card: VirtualJpkiCard,
    signPin: string,
    pin2: string,
  ): Promise<ReverificationRequest> {
    const token = this.token();
    const challenge = await api.createStepUpChallenge(token);
    const statement: ReverificationStatement = {
      type: 'xid/reverification/v1',
      accountId: this.registered().accountId,
      challengeId: challenge.challengeId,
      nonce: challenge.nonce,
    };
    const signed = await new JpkiClient(new NfcTap(card)).signWithSignatureCertificate(signPin, () =>
      canonicalBytes(statement),
    );
    return {
      statement,
      certificate: signed.certificate.toString('base64'),
      signature: signed.signature.toString('base64'),
      signProof: await this.prove('sign', pin2, statement),
    };
  }

  /** The whole re-verification: the signed request, sent. */
  async reverify(
    api: ApiClient,
    card: VirtualJpkiCard,
    signPin: string,
    pin2: string,
  ): Promise<ReverificationResult> {
    return api.reverify(this.token(), await this.signReverification(api, card, signPin, pin2));
  }

  private token(): string {
    if (!this.accessToken) throw new Error('activate or log in first');
    return this.accessToken;
  }

  /**
   * 退会 (design.md §3.10): a step-up challenge (`POST /v1/me/challenges`), PIN2's sign proof over the
   * deletion statement, and `DELETE /v1/me`. The phone keeps its last token, which is refused from then on.
   */
  async leave(api: ApiClient, pin2: string): Promise<void> {
    const token = this.accessToken;
    if (!token) throw new Error('log in first');
    const { accountId } = this.registered();
    const challenge = await api.request<{ challengeId: string; nonce: string }>(
      'POST',
      '/v1/me/challenges',
      {},
      { authorization: `Bearer ${token}` },
    );
    const signProof = await this.prove('sign', pin2, {
      type: 'xid/deletion/v1',
      accountId,
      challengeId: challenge.challengeId,
      nonce: challenge.nonce,
    });
    await api.deleteAccount(token, { signProof });
  }

  /** お知らせを受け取る: push on (guide step 9), consenting to the terms and policy in force. */
  async turnNoticesOn(api: ApiClient) {
    const token = this.accessToken;
    if (!token) throw new Error('log in first');
    const terms = await api.getTerms();
    return api.subscribeNotices(token, {
      termsVersion: terms.terms.version,
      privacyPolicyVersion: terms.privacyPolicy.version,
    });
  }

  /**
   * 利用履歴: every page of the activity log, and whether it is one unbroken chain ending at the
   * `{seq, hash}` that `GET /v1/me` names, as the app checks it before showing it.
   */
  async activityLog(api: ApiClient, pageSize = 20): Promise<{ entries: SeenEntry[]; verified: boolean }> {
    const token = this.accessToken;
    if (!token) throw new Error('log in first');
    const head = (await api.me(token)).activity as { seq: number; hash: string };
    const entries: SeenEntry[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=${pageSize}${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await api.activity(token, query);
      entries.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return { entries, verified: head !== null && (await verifyActivity(entries, head)) };
  }

  /**
   * Sign in with xID: the resident reads the request (relying party, claims) and decides with PIN1. The
   * proof signs exactly what the app was shown, the claims in the order listed.
   */
  async decide(
    api: ApiClient,
    request: AuthorizationRequestSummary,
    decision: 'approve' | 'deny',
    pin1: string,
  ): Promise<{ requestId: string; state: 'approved' | 'denied' }> {
    const { accountId } = this.registered();
    const proof = await this.prove('auth', pin1, {
      type: 'xid/authorization/v1',
      accountId,
      requestId: request.requestId,
      clientId: request.clientId,
      claims: request.claims,
      decision,
    });
    return api.decideAuthorizationRequest(this.accessToken as string, request.requestId, { decision, proof });
  }

  /** The pending sign-in request a push named (or the newest one), once it is listed. */
  async pendingSignIn(api: ApiClient, requestId?: string): Promise<AuthorizationRequestSummary | undefined> {
    const { items } = await api.authorizationRequests(this.accessToken as string);
    return requestId ? items.find((item) => item.requestId === requestId) : items[0];
  }

  /** The sign-in request whose user code the resident typed (or scanned from the page's QR code). */
  claimSignIn(api: ApiClient, userCode: string): Promise<AuthorizationRequestSummary> {
    return api.claimAuthorizationRequest(this.accessToken as string, userCode);
  }

  /** A device-key proof: unlock the key with its PIN and sign the object as a JWS. */
  async prove(key: DeviceKeyName, pin: string, payload: object): Promise<string> {
    return signJws(await this.deviceKeys.unlock(key, pin), payload);
  }
}
