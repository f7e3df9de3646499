import { createHash } from 'node:crypto';
import { sha256DigestInfo } from '#functions/jpki/profile';
import { command, hex, SW, splitResponse } from '../card/apdu.ts';
import { EF, JPKI_AID, type PinName } from '../card/jpki-card.ts';
import type { ApduTransport } from './transport.ts';

/**
 * The app's side of the JPKI applet, following the reference sequence of jpki.md §1.10: select the applet,
 * ask how many tries are left before spending one (and stop at zero), VERIFY, read the certificate's header
 * and then the rest in chunks of at most 256 bytes, and have the card sign a SHA-256 DigestInfo.
 */
export type JpkiErrorCode = 'pin_format' | 'pin_incorrect' | 'pin_blocked' | 'no_certificate' | 'card_error';

export class JpkiError extends Error {
  override name = 'JpkiError';
  constructor(
    readonly code: JpkiErrorCode,
    message: string,
    readonly triesLeft?: number,
  ) {
    super(message);
  }
}

/** The signature PIN (署名用パスワード): 6–16 upper-case letters and digits (jpki.md §2). */
export const SIGN_PIN = /^[A-Z0-9]{6,16}$/;
export const AUTH_PIN = /^\d{4}$/;

const PIN_EF: Record<PinName, number> = { sign: EF.signPin, auth: EF.authPin };
const KEY_EF: Record<PinName, number> = { sign: EF.signKey, auth: EF.authKey };

export class JpkiClient {
  constructor(private readonly transport: ApduTransport) {}

  private async send(
    apdu: Buffer,
    what: string,
    accept: number[] = [SW.OK],
  ): Promise<{ data: Buffer; sw: number }> {
    const { data, sw } = splitResponse(await this.transport.transceive(apdu));
    if (!accept.includes(sw) && (sw & 0xfff0) !== 0x63c0) {
      throw new JpkiError('card_error', `${what} failed with ${hex(sw)}`);
    }
    return { data, sw };
  }

  async selectApplet(): Promise<void> {
    await this.send(command(0x00, 0xa4, 0x04, 0x0c, JPKI_AID), 'SELECT JPKI-AP');
  }

  private async selectFile(id: number, what: string): Promise<void> {
    const { sw } = await this.send(command(0x00, 0xa4, 0x02, 0x0c, Buffer.from([id >> 8, id & 0xff])), what, [
      SW.OK,
      SW.FILE_NOT_FOUND,
    ]);
    if (sw === SW.FILE_NOT_FOUND) throw new JpkiError('no_certificate', `${what}: not on this card`);
  }

  /** Tries left for a PIN, by the empty VERIFY, which spends none. Blocked (63C0 or 6984) is 0. */
  async triesLeft(pin: PinName): Promise<number> {
    await this.selectFile(PIN_EF[pin], `SELECT ${pin} PIN`);
    const { sw } = await this.send(command(0x00, 0x20, 0x00, 0x80), 'VERIFY (tries left)', [
      SW.OK,
      SW.REFERENCE_DATA_BLOCKED,
      SW.AUTH_METHOD_BLOCKED,
    ]);
    if ((sw & 0xfff0) === 0x63c0) return sw & 0x0f;
    if (sw === SW.OK) return Number.POSITIVE_INFINITY; // some cards answer 9000 once verified
    return 0;
  }

  /** VERIFY; the PIN EF must be current (triesLeft selects it). */
  async verify(pin: PinName, value: string): Promise<void> {
    const { sw } = await this.send(command(0x00, 0x20, 0x00, 0x80, Buffer.from(value, 'ascii')), 'VERIFY', [
      SW.OK,
      SW.REFERENCE_DATA_BLOCKED,
      SW.AUTH_METHOD_BLOCKED,
    ]);
    if (sw === SW.OK) return;
    if ((sw & 0xfff0) === 0x63c0 && (sw & 0x0f) > 0) {
      throw new JpkiError('pin_incorrect', `wrong ${pin} PIN`, sw & 0x0f);
    }
    throw new JpkiError('pin_blocked', `the ${pin} PIN is blocked`, 0);
  }

  /** Reads a certificate EF: the DER header first, then exactly the certificate, in ≤ 256-byte chunks. */
  async readCertificate(ef: number): Promise<Buffer> {
    await this.selectFile(ef, 'SELECT certificate');
    const { data: header } = await this.send(
      command(0x00, 0xb0, 0x00, 0x00, undefined, 4),
      'READ BINARY header',
    );
    if (header.length < 2 || header[0] !== 0x30)
      throw new JpkiError('card_error', 'the EF does not hold a certificate');
    const first = header[1] as number;
    let total: number;
    if (first < 0x80) total = 2 + first;
    else if (first === 0x81) total = 3 + (header[2] as number);
    else if (first === 0x82) total = 4 + (((header[2] as number) << 8) | (header[3] as number));
    else throw new JpkiError('card_error', 'certificate length not understood');
    const chunks = [header.subarray(0, Math.min(header.length, total))];
    let offset = chunks[0]?.length ?? 0;
    while (offset < total) {
      const le = Math.min(256, total - offset);
      const { data } = await this.send(
        command(0x00, 0xb0, (offset >> 8) & 0x7f, offset & 0xff, undefined, le),
        'READ BINARY',
      );
      if (data.length === 0) break;
      chunks.push(data);
      offset += data.length;
    }
    const der = Buffer.concat(chunks);
    if (der.length !== total) throw new JpkiError('card_error', 'the certificate was cut short');
    return der;
  }

  /** Signs a DigestInfo with a key whose PIN was verified in this session (P1 = 00: the card pads). */
  async signDigestInfo(key: PinName, digestInfo: Buffer): Promise<Buffer> {
    await this.selectFile(KEY_EF[key], `SELECT ${key} key`);
    const { data } = await this.send(
      command(0x80, 0x2a, 0x00, 0x80, digestInfo, 256),
      'COMPUTE DIGITAL SIGNATURE',
    );
    return data;
  }

  /**
   * The registration tap (§1.10): check the signature PIN's tries, VERIFY it, read the signature
   * certificate, show it (`review`), and sign the SHA-256 DigestInfo of the message `review` returns.
   * The PIN is checked for format before the card is touched, so a typo costs no try.
   */
  async signWithSignatureCertificate(
    signPin: string,
    review: (certificate: Buffer) => Buffer | Promise<Buffer>,
  ): Promise<{ certificate: Buffer; message: Buffer; signature: Buffer }> {
    const pin = signPin.toUpperCase();
    if (!SIGN_PIN.test(pin))
      throw new JpkiError('pin_format', 'the signature PIN is 6–16 letters A–Z and digits');
    await this.selectApplet();
    const tries = await this.triesLeft('sign');
    if (tries === 0) throw new JpkiError('pin_blocked', 'the signature PIN is blocked', 0);
    await this.verify('sign', pin);
    const certificate = await this.readCertificate(EF.signCertificate);
    const message = await review(certificate);
    const digestInfo = sha256DigestInfo(createHash('sha256').update(message).digest());
    const signature = await this.signDigestInfo('sign', digestInfo);
    return { certificate, message, signature };
  }
}
