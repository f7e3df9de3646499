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

/**
 * A card of the local runtime's `/_local/cards`, reached over HTTP: what an app in a simulator (no NFC)
 * swaps in for CoreNFC or IsoDep. The first APDU starts a new tap, as holding the card to the phone does.
 */
export class LocalCardTransport implements ApduTransport {
  private started = false;

  constructor(
    private readonly apiUrl: string,
    readonly cardId: string,
  ) {}

  async transceive(command: Uint8Array): Promise<Uint8Array> {
    const response = await fetch(`${this.apiUrl}/_local/cards/${this.cardId}/apdu`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ command: Buffer.from(command).toString('hex'), newTap: !this.started }),
    });
    if (!response.ok) throw new Error(`/_local/cards answered ${response.status}: ${await response.text()}`);
    this.started = true;
    return Buffer.from(((await response.json()) as { response: string }).response, 'hex');
  }
}
