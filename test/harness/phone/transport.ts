import type { VirtualJpkiCard } from '../card/jpki-card.ts';

/**
 * How the app reaches a card: APDU bytes out, response bytes back, asynchronously, as CoreNFC's
 * `sendCommand` or Android's `IsoDep.transceive` do. Nothing else crosses.
 */
export interface ApduTransport {
  transceive(command: Uint8Array): Promise<Uint8Array>;
}

/** One NFC tap on a virtual card: the card powers up fresh; every exchange is recorded. */
export class NfcTap implements ApduTransport {
  readonly exchanges: { command: Buffer; response: Buffer }[] = [];

  constructor(private readonly card: VirtualJpkiCard) {
    card.powerOn();
  }

  async transceive(command: Uint8Array): Promise<Uint8Array> {
    const response = this.card.transceive(command);
    this.exchanges.push({ command: Buffer.from(command), response: Buffer.from(response) });
    return response;
  }
}
