import * as net from 'node:net';
import { JPKI_ATR, type VirtualJpkiCard } from '../card/jpki-card.ts';

/**
 * Connects a virtual card to vsmartcard's vpcd (the PC/SC reader driver that pcscd loads), so that PC/SC
 * software, OpenSC among it, talks to the card as to any other. vpcd listens on 127.0.0.1:35963; every
 * message either way is a 2-byte big-endian length and a payload. A 1-byte payload from vpcd is a control
 * message: 00 power off, 01 power on, 02 reset, 04 "send the ATR"; anything longer is a command APDU.
 */
export const VPCD_PORT = 35963;
const CTRL = { OFF: 0x00, ON: 0x01, RESET: 0x02, ATR: 0x04 } as const;

export interface BridgeOptions {
  host?: string;
  port?: number;
  /** Keep trying to connect for this long (pcscd may still be loading the driver). */
  connectTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface Bridge {
  close(): Promise<void>;
  /** Resolves when vpcd closes the connection. */
  closed: Promise<void>;
}

function frame(payload: Uint8Array): Buffer {
  const header = Buffer.alloc(2);
  header.writeUInt16BE(payload.length);
  return Buffer.concat([header, Buffer.from(payload)]);
}

async function connect(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect(port, host);
        // An attempt that neither connects nor fails (a listener not accepting yet) is given up and retried.
        socket.setTimeout(2000, () => {
          socket.destroy();
          reject(new Error(`no answer from vpcd on ${host}:${port}`));
        });
        socket.once('connect', () => {
          socket.setTimeout(0);
          resolve(socket);
        });
        socket.once('error', reject);
      });
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export async function connectToVpcd(card: VirtualJpkiCard, options: BridgeOptions = {}): Promise<Bridge> {
  const log = options.log ?? (() => undefined);
  const socket = await connect(
    options.host ?? '127.0.0.1',
    options.port ?? VPCD_PORT,
    options.connectTimeoutMs ?? 15_000,
  );
  socket.setNoDelay(true);
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 2) {
      const length = pending.readUInt16BE(0);
      if (pending.length < 2 + length) break;
      const payload = pending.subarray(2, 2 + length);
      pending = pending.subarray(2 + length);
      if (length === 1) {
        const control = payload[0];
        if (control === CTRL.ATR) socket.write(frame(JPKI_ATR));
        else if (control === CTRL.ON || control === CTRL.RESET) card.powerOn();
        else if (control === CTRL.OFF) card.powerOn();
        log(`control ${control}`);
      } else if (length > 1) {
        const response = card.transceive(payload);
        log(`> ${payload.toString('hex')}\n< ${response.toString('hex')}`);
        socket.write(frame(response));
      }
    }
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', (error) => log(`vpcd connection error: ${error.message}`));
  return {
    closed,
    close: async () => {
      socket.end();
      socket.destroy();
      await closed;
    },
  };
}
