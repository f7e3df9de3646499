import { constants, createHash, type KeyObject, privateEncrypt } from 'node:crypto';
import { sha256DigestInfo } from '#functions/jpki/profile';
import { type CommandApdu, MalformedApdu, parseCommand, response, SW, triesLeftSw } from './apdu.ts';

/**
 * A virtual My Number card: the JPKI applet (公的個人認証AP) answering ISO 7816-4 APDUs as jpki.md §1
 * describes (§1.11 is the checklist). Bytes in, bytes out; no shortcut hands anyone a certificate or a
 * signature. The card keeps its PIN counters and blocked state across taps; a tap (power on) or a SELECT
 * of the applet clears the selection and the verified state, as on a real card.
 */
export const JPKI_AID = Buffer.from('D392F000260100000001', 'hex');
/** The contact ATR OpenSC's JPKI driver matches (`card-jpki.c`); over NFC the reader makes one up. */
export const JPKI_ATR = Buffer.from('3BE000FF8131FE4514', 'hex');

export const EF = {
  signCertificate: 0x0001,
  signCaCertificate: 0x0002,
  tokenInfo: 0x0006,
  certificatePresence: 0x0008,
  authCertificate: 0x000a,
  authCaCertificate: 0x000b,
  authKey: 0x0017,
  authPin: 0x0018,
  signKey: 0x001a,
  signPin: 0x001b,
} as const;

export type PinName = 'sign' | 'auth';
export const MAX_TRIES: Record<PinName, number> = { sign: 5, auth: 3 };

export interface CardContents {
  /** DER; absent on a card without a signature certificate (holders under 15). */
  signCertificate?: Buffer;
  signKey?: KeyObject;
  signCaCertificate: Buffer;
  authCertificate: Buffer;
  authKey: KeyObject;
  authCaCertificate: Buffer;
  signPin: string;
  authPin: string;
  /** EF 0006 label; `JPKIAPICCTOKEN2` for a My Number card. */
  tokenLabel?: string;
}

type ElementaryFile =
  | { kind: 'binary'; content: Buffer; needs?: PinName }
  | { kind: 'pin'; pin: PinName }
  | { kind: 'key'; pin: PinName; key: KeyObject };

interface Session {
  applet: boolean;
  /** True until the first command after power-on: SELECT MF then answers 6A86. */
  fresh: boolean;
  current?: number;
  verified: Record<PinName, boolean>;
}

/** Certificate EFs are longer than the certificate: readers must parse the DER length (jpki.md §1.6). */
function padded(der: Buffer): Buffer {
  const size = Math.max(2048, Math.ceil(der.length / 256) * 256);
  return Buffer.concat([der, Buffer.alloc(size - der.length, 0xff)]);
}

/** EF 0006: a PKCS#11 CK_TOKEN_INFO of 160 bytes, 32-bit big-endian integers, space-padded strings. */
function tokenInfo(label: string): Buffer {
  const text = (value: string, size: number) => Buffer.from(value.padEnd(size, ' ').slice(0, size), 'ascii');
  const ints = Buffer.alloc(40);
  // ulMaxSessionCount … ulFreePrivateMemory; max and min PIN length as on the sample card (16, 6).
  [0, 0, 0, 0, 16, 6, 0, 0, 0, 0].forEach((value, i) => {
    ints.writeUInt32BE(value, i * 4);
  });
  const flags = Buffer.alloc(4);
  flags.writeUInt32BE(0x0000040d);
  return Buffer.concat([
    text(label, 32),
    text('0000000000000001', 32),
    text('XIDVCARD', 16),
    text('0000000000000001', 16),
    flags,
    ints,
    Buffer.from('0301', 'ascii'),
    text('', 16),
  ]);
}

export class VirtualJpkiCard {
  private readonly files = new Map<number, ElementaryFile>();
  private readonly pins: Record<PinName, Buffer>;
  private readonly tries: Record<PinName, number> = { ...MAX_TRIES };
  private session: Session = VirtualJpkiCard.freshSession();

  constructor(contents: CardContents) {
    this.pins = {
      sign: Buffer.from(contents.signPin, 'ascii'),
      auth: Buffer.from(contents.authPin, 'ascii'),
    };
    const hasSign = Boolean(contents.signCertificate && contents.signKey);
    if (contents.signCertificate && contents.signKey) {
      this.files.set(EF.signCertificate, {
        kind: 'binary',
        content: padded(contents.signCertificate),
        needs: 'sign',
      });
      this.files.set(EF.signKey, { kind: 'key', pin: 'sign', key: contents.signKey });
      this.files.set(EF.signPin, { kind: 'pin', pin: 'sign' });
    }
    this.files.set(EF.signCaCertificate, { kind: 'binary', content: padded(contents.signCaCertificate) });
    this.files.set(EF.tokenInfo, {
      kind: 'binary',
      content: tokenInfo(contents.tokenLabel ?? 'JPKIAPICCTOKEN2'),
    });
    this.files.set(EF.certificatePresence, {
      kind: 'binary',
      content: Buffer.from([hasSign ? 0x8f : 0x00, 0x8f, 0x00]),
    });
    this.files.set(EF.authCertificate, { kind: 'binary', content: padded(contents.authCertificate) });
    this.files.set(EF.authCaCertificate, { kind: 'binary', content: padded(contents.authCaCertificate) });
    this.files.set(EF.authKey, { kind: 'key', pin: 'auth', key: contents.authKey });
    this.files.set(EF.authPin, { kind: 'pin', pin: 'auth' });
  }

  private static freshSession(): Session {
    return { applet: false, fresh: true, verified: { sign: false, auth: false } };
  }

  /** Power on (a new tap) or a reset: selection and verified state are gone, counters stay. */
  powerOn(): void {
    this.session = VirtualJpkiCard.freshSession();
  }

  /** Tries left for a PIN, as the card counts them (for tests; a phone asks with the empty VERIFY). */
  triesLeft(pin: PinName): number {
    return this.tries[pin];
  }

  /** One command APDU in, one response APDU out. */
  transceive(apdu: Uint8Array): Buffer {
    let command: CommandApdu;
    try {
      command = parseCommand(apdu);
    } catch (error) {
      if (error instanceof MalformedApdu) return response(SW.WRONG_LENGTH);
      throw error;
    }
    const fresh = this.session.fresh;
    this.session.fresh = false;
    if ((command.cla & 0x03) !== 0) return response(SW.LOGICAL_CHANNEL_NOT_SUPPORTED);
    if ((command.cla & 0x0c) !== 0) {
      return response(command.ins === 0xa4 ? SW.SECURE_MESSAGING_NOT_SUPPORTED : SW.SM_DATA_INCORRECT);
    }
    if (command.cla === 0x00) {
      switch (command.ins) {
        case 0xa4:
          return this.select(command, fresh);
        case 0x20:
          return this.verify(command);
        case 0x24:
          return this.changePin(command);
        case 0xb0:
          return this.readBinary(command);
        default:
          return response(SW.INS_NOT_SUPPORTED);
      }
    }
    if (command.cla === 0x80) {
      return command.ins === 0x2a ? this.sign(command) : response(SW.INS_NOT_SUPPORTED);
    }
    return response(SW.CLA_NOT_SUPPORTED);
  }

  private select(c: CommandApdu, fresh: boolean): Buffer {
    if (c.p2 !== 0x0c && c.p2 !== 0x00) return response(SW.INCORRECT_P1P2);
    if (c.p1 === 0x04) {
      if (!c.data.equals(JPKI_AID)) return response(SW.FILE_NOT_FOUND);
      this.session = { applet: true, fresh: false, verified: { sign: false, auth: false } };
      return response(SW.OK);
    }
    if (c.p1 === 0x02) {
      if (c.data.length !== 2) return response(SW.WRONG_LENGTH);
      const id = c.data.readUInt16BE(0);
      if (!this.session.applet || !this.files.has(id)) return response(SW.FILE_NOT_FOUND);
      this.session.current = id;
      return response(SW.OK);
    }
    if (c.p1 === 0x00) return response(c.data.length === 0 && fresh ? SW.INCORRECT_P1P2 : SW.FILE_NOT_FOUND);
    return response(SW.INCORRECT_P1P2);
  }

  /** The file a command names: the current EF (P2 = 80) or one by short EF identifier (P2 = 80 | SFI). */
  private target(p2: number): { id: number; file: ElementaryFile } | 'bad-p2' | undefined {
    if ((p2 & 0x80) === 0) return 'bad-p2';
    const sfi = p2 & 0x1f;
    const id = sfi === 0 ? this.session.current : sfi;
    if (id === undefined || !this.session.applet) return undefined;
    const file = this.files.get(id);
    if (!file) return undefined;
    this.session.current = id;
    return { id, file };
  }

  /** The PIN or key EF a command acts on, or the status word that refuses the command. */
  private operand<K extends 'pin' | 'key'>(
    p2: number,
    kind: K,
  ): Extract<ElementaryFile, { kind: K }> | number {
    const target = this.target(p2);
    if (target === 'bad-p2') return SW.INCORRECT_P1P2;
    if (target?.file.kind !== kind) return SW.COMMAND_NOT_ALLOWED;
    return target.file as Extract<ElementaryFile, { kind: K }>;
  }

  private verify(c: CommandApdu): Buffer {
    if (c.p1 !== 0x00) return response(SW.INCORRECT_P1P2);
    const file = this.operand(c.p2, 'pin');
    if (typeof file === 'number') return response(file);
    const pin = file.pin;
    if (c.data.length === 0) return response(triesLeftSw(this.tries[pin]));
    if (this.tries[pin] === 0) return response(SW.REFERENCE_DATA_BLOCKED);
    if (c.data.equals(this.pins[pin])) {
      this.tries[pin] = MAX_TRIES[pin];
      this.session.verified[pin] = true;
      return response(SW.OK);
    }
    this.tries[pin] -= 1;
    this.session.verified[pin] = false;
    return response(triesLeftSw(this.tries[pin]));
  }

  private changePin(c: CommandApdu): Buffer {
    if (c.p1 !== 0x01) return response(SW.INCORRECT_P1P2);
    const file = this.operand(c.p2, 'pin');
    if (typeof file === 'number') return response(file);
    if (!this.session.verified[file.pin]) return response(SW.SECURITY_STATUS_NOT_SATISFIED);
    if (c.data.length === 0) return response(SW.WRONG_LENGTH);
    this.pins[file.pin] = Buffer.from(c.data);
    return response(SW.OK);
  }

  private readBinary(c: CommandApdu): Buffer {
    let offset: number;
    let file: ElementaryFile | undefined;
    if (c.p1 & 0x80) {
      const id = c.p1 & 0x1f;
      file = this.session.applet ? this.files.get(id) : undefined;
      if (!file) return response(SW.FILE_NOT_FOUND);
      this.session.current = id;
      offset = c.p2;
    } else {
      offset = (c.p1 << 8) | c.p2;
      file = this.session.current === undefined ? undefined : this.files.get(this.session.current);
      if (!file) return response(SW.COMMAND_NOT_ALLOWED);
    }
    if (c.le === undefined) return response(SW.WRONG_LENGTH);
    if (file.kind !== 'binary') return response(SW.COMMAND_NOT_ALLOWED);
    if (file.needs && !this.session.verified[file.needs]) return response(SW.SECURITY_STATUS_NOT_SATISFIED);
    if (offset >= file.content.length) return response(SW.OFFSET_OUT_OF_RANGE);
    return response(SW.OK, file.content.subarray(offset, offset + c.le));
  }

  /** COMPUTE DIGITAL SIGNATURE: the card pads (PKCS#1 v1.5 type 1) and applies the private key. */
  private sign(c: CommandApdu): Buffer {
    const file = this.operand(c.p2, 'key');
    if (typeof file === 'number') return response(file);
    if (!this.session.verified[file.pin]) return response(SW.SECURITY_STATUS_NOT_SATISFIED);
    const input = c.data;
    let block: Buffer;
    switch (c.p1) {
      case 0x00: // the host sends the DigestInfo (what every real client does)
        if (input.length < 1 || input.length > 245) return response(SW.WRONG_LENGTH);
        block = input;
        break;
      case 0x01: // SHA-256 on the card, bare hash
        if (input.length < 1) return response(SW.WRONG_LENGTH);
        block = createHash('sha256').update(input).digest();
        break;
      case 0x02: // a SHA-256 hash, wrapped in a DigestInfo on the card
        if (input.length !== 32) return response(SW.WRONG_LENGTH);
        block = sha256DigestInfo(input);
        break;
      case 0x03: // SHA-256 and DigestInfo on the card
        if (input.length < 1) return response(SW.WRONG_LENGTH);
        block = sha256DigestInfo(createHash('sha256').update(input).digest());
        break;
      default: // 04/05 (RSASSA-PSS) are not emulated
        return response(SW.INCORRECT_P1P2);
    }
    const signature = privateEncrypt({ key: file.key, padding: constants.RSA_PKCS1_PADDING }, block);
    return response(SW.OK, signature);
  }
}
