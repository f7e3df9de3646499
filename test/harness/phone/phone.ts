import { canonicalBytes } from '#functions/shared/jcs';
import type { VirtualJpkiCard } from '../card/jpki-card.ts';
import type { ApiClient, RegistrationResult } from './api.ts';
import { type DeviceKeyName, DeviceKeys, type KdfCost } from './device-keys.ts';
import { JpkiClient } from './jpki-client.ts';
import { signJws } from './jws.ts';
import {
  type ChallengeForStatement,
  type RegistrationStatement,
  registrationStatement,
} from './statement.ts';
import { NfcTap } from './transport.ts';

/** The `POST /v1/registrations` body for a card-signed statement. */
export function registrationRequest(signed: CardSignedStatement, consent = true) {
  return {
    statement: signed.statement,
    certificate: signed.certificate,
    signature: signed.signature,
    consents: { identityVerification: consent },
  };
}

/** What the card produced at registration, ready for `POST /v1/registrations`. */
export interface CardSignedStatement {
  statement: RegistrationStatement;
  /** base64 DER of the signature certificate, as read from the card. */
  certificate: string;
  /** base64 of the card's 256-byte RSA signature over the statement's JCS bytes. */
  signature: string;
  /** Every APDU of the tap, for tests that check the sequence. */
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
    card: VirtualJpkiCard,
    signPin: string,
    challenge: ChallengeForStatement,
  ): Promise<CardSignedStatement> {
    const statement = registrationStatement(challenge, {
      auth: this.deviceKeys.publicJwk('auth'),
      sign: this.deviceKeys.publicJwk('sign'),
    });
    const tap = new NfcTap(card);
    const result = await new JpkiClient(tap).signWithSignatureCertificate(signPin, () =>
      canonicalBytes(statement),
    );
    return {
      statement,
      certificate: result.certificate.toString('base64'),
      signature: result.signature.toString('base64'),
      exchanges: tap.exchanges,
    };
  }

  /**
   * Guide steps 1–5 against the API: read the terms, get a challenge, tap the card, and send the
   * card-signed statement with the identity-verification consent.
   */
  async register(api: ApiClient, card: VirtualJpkiCard, signPin: string): Promise<RegistrationResult> {
    const challenge = await api.createRegistrationChallenge();
    const signed = await this.signRegistration(card, signPin, challenge);
    const result = await api.register(registrationRequest(signed));
    this.account = result;
    return result;
  }

  /** The account this phone registered, once it has. */
  account?: RegistrationResult;

  /** A device-key proof: unlock the key with its PIN and sign the object as a JWS. */
  async prove(key: DeviceKeyName, pin: string, payload: object): Promise<string> {
    return signJws(await this.deviceKeys.unlock(key, pin), payload);
  }
}
