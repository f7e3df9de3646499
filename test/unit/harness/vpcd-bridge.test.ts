import * as net from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { command } from '#test/harness/card/apdu';
import { JPKI_AID, JPKI_ATR } from '#test/harness/card/jpki-card';
import { createTestPki, type IssuedCard, issueCard } from '#test/harness/cards';
import { type Bridge, connectToVpcd } from '#test/harness/vpcd/bridge';

/** A stand-in for vpcd: a loopback server speaking its framing (2-byte length, payload). */
async function fakeVpcd() {
  let socket: net.Socket | undefined;
  const received: Buffer[] = [];
  let pending = Buffer.alloc(0);
  const waiters: ((b: Buffer) => void)[] = [];
  const server = net.createServer((s) => {
    socket = s;
    s.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const payload = pending.subarray(2, 2 + pending.readUInt16BE(0));
        pending = pending.subarray(2 + payload.length);
        const waiter = waiters.shift();
        if (waiter) waiter(Buffer.from(payload));
        else received.push(Buffer.from(payload));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const send = (payload: Buffer) => {
    const header = Buffer.alloc(2);
    header.writeUInt16BE(payload.length);
    socket?.write(Buffer.concat([header, payload]));
  };
  const next = () =>
    new Promise<Buffer>((resolve) => {
      const ready = received.shift();
      if (ready) resolve(ready);
      else waiters.push(resolve);
    });
  return {
    port,
    send,
    next,
    close: () => new Promise<void>((r) => server.close(() => r())),
    connected: () => Boolean(socket),
  };
}

let issued: IssuedCard;
let bridge: Bridge | undefined;

beforeAll(async () => {
  issued = await issueCard(await createTestPki());
});

afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
});

describe('vpcd bridge', () => {
  it("answers the ATR request with the JPKI contact ATR, and APDUs with the card's responses", async () => {
    const vpcd = await fakeVpcd();
    bridge = await connectToVpcd(issued.reissue(), { port: vpcd.port });
    await expect.poll(vpcd.connected).toBe(true);
    vpcd.send(Buffer.from([0x01])); // power on: no answer expected
    vpcd.send(Buffer.from([0x04]));
    expect(await vpcd.next()).toEqual(JPKI_ATR);
    vpcd.send(command(0x00, 0xa4, 0x04, 0x0c, JPKI_AID));
    expect(await vpcd.next()).toEqual(Buffer.from([0x90, 0x00]));
    vpcd.send(command(0x00, 0xa4, 0x02, 0x0c, Buffer.from([0x00, 0x1b])));
    expect(await vpcd.next()).toEqual(Buffer.from([0x90, 0x00]));
    vpcd.send(command(0x00, 0x20, 0x00, 0x80));
    expect(await vpcd.next()).toEqual(Buffer.from([0x63, 0xc5]));
    await bridge.close();
    await vpcd.close();
  });

  it('treats a reset as a new session: the applet must be selected again', async () => {
    const vpcd = await fakeVpcd();
    bridge = await connectToVpcd(issued.reissue(), { port: vpcd.port });
    await expect.poll(vpcd.connected).toBe(true);
    vpcd.send(command(0x00, 0xa4, 0x04, 0x0c, JPKI_AID));
    await vpcd.next();
    vpcd.send(Buffer.from([0x02]));
    vpcd.send(command(0x00, 0xa4, 0x02, 0x0c, Buffer.from([0x00, 0x0a])));
    expect(await vpcd.next()).toEqual(Buffer.from([0x6a, 0x82]));
    await bridge.close();
    await vpcd.close();
  });
});
