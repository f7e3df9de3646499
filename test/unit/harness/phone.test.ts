import { createPublicKey, verify, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalBytes } from '#functions/shared/jcs';
import { hex, splitResponse } from '#test/harness/card/apdu';
import { createTestPki, type IssuedCard, issueCard, type TestPki } from '#test/harness/cards';
import { DeviceKeys, PinError } from '#test/harness/phone/device-keys';
import { JpkiClient, JpkiError } from '#test/harness/phone/jpki-client';
import { VirtualPhone } from '#test/harness/phone/phone';
import { NfcTap } from '#test/harness/phone/transport';

/** Cheap scrypt for tests; the default cost is exercised once below. */
const kdf = { N: 2 ** 10, r: 8, p: 1 };

let pki: TestPki;
let issued: IssuedCard;

beforeAll(async () => {
  pki = await createTestPki();
  issued = await issueCard(pki, { signPin: 'ABCD1234' });
});

const challenge = {
  challengeId: 'c-1',
  nonce: 'bm9uY2U',
  terms: { version: '2026-11-01', sha256: 'a'.repeat(64) },
  privacyPolicy: { version: '2026-11-01', sha256: 'b'.repeat(64) },
};

function verifyJws(jws: string, jwk: object): { header: unknown; payload: unknown } | undefined {
  const [h, p, s] = jws.split('.') as [string, string, string];
  const ok = verify(
    'sha256',
    Buffer.from(`${h}.${p}`),
    { key: createPublicKey({ key: jwk as never, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
    Buffer.from(s, 'base64url'),
  );
  return ok
    ? {
        header: JSON.parse(Buffer.from(h, 'base64url').toString()),
        payload: JSON.parse(Buffer.from(p, 'base64url').toString()),
      }
    : undefined;
}

describe('device keys', () => {
  it('refuses PIN1 outside 4–12 digits and PIN2 outside 6–12 digits', async () => {
    await expect(DeviceKeys.create('123', '123456', { kdf })).rejects.toMatchObject({ code: 'pin_format' });
    await expect(DeviceKeys.create('1234', '12345', { kdf })).rejects.toMatchObject({ code: 'pin_format' });
    await expect(DeviceKeys.create('12a4', '123456', { kdf })).rejects.toMatchObject({ code: 'pin_format' });
    await expect(DeviceKeys.create('1234567890123', '123456', { kdf })).rejects.toMatchObject({
      code: 'pin_format',
    });
    await expect(DeviceKeys.create('1234', '123456789012', { kdf })).resolves.toBeInstanceOf(DeviceKeys);
  });

  it('publishes two distinct P-256 public keys and unlocks each only with its own PIN', async () => {
    const keys = await DeviceKeys.create('1234', '567890', { kdf });
    expect(keys.publicJwk('auth')).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(keys.publicJwk('auth').x).not.toBe(keys.publicJwk('sign').x);
    const auth = await keys.unlock('auth', '1234');
    expect(createPublicKey(auth).export({ format: 'jwk' }).x).toBe(keys.publicJwk('auth').x);
    await expect(keys.unlock('sign', '1234')).rejects.toMatchObject({ code: 'pin_format' });
    await expect(keys.unlock('auth', '567890')).rejects.toMatchObject({ code: 'pin_incorrect' });
  });

  it('counts wrong PINs, resets on a right one, and erases both keys at the limit', async () => {
    const keys = await DeviceKeys.create('1234', '567890', { kdf, maxAttempts: 3 });
    await expect(keys.unlock('auth', '0000')).rejects.toMatchObject({
      code: 'pin_incorrect',
      attemptsLeft: 2,
    });
    await keys.unlock('auth', '1234');
    expect(keys.attemptsLeft).toBe(3);
    await expect(keys.unlock('auth', '0000')).rejects.toMatchObject({ attemptsLeft: 2 });
    await expect(keys.unlock('sign', '000000')).rejects.toMatchObject({ attemptsLeft: 1 });
    await expect(keys.unlock('auth', '0000')).rejects.toMatchObject({ code: 'keys_erased' });
    await expect(keys.unlock('auth', '1234')).rejects.toBeInstanceOf(PinError);
    expect(keys.attemptsLeft).toBe(0);
  });

  it('does not count a PIN of the wrong shape', async () => {
    const keys = await DeviceKeys.create('1234', '567890', { kdf, maxAttempts: 2 });
    await expect(keys.unlock('auth', 'abc')).rejects.toMatchObject({ code: 'pin_format' });
    expect(keys.attemptsLeft).toBe(2);
  });

  it('works with the default (slow) scrypt cost', async () => {
    const keys = await DeviceKeys.create('1234', '567890');
    await expect(keys.unlock('sign', '567890')).resolves.toMatchObject({
      type: 'private',
      asymmetricKeyType: 'ec',
    });
  });
});

describe('JWS proofs', () => {
  it('are ES256 compact JWS over the JCS of the payload, verifiable with the public JWK', async () => {
    const phone = new VirtualPhone();
    await phone.setPins('1234', '567890', { kdf });
    const payload = { type: 'xid/activation/v1', accountId: 'a', nonce: 'n', key: 'auth' };
    const jws = await phone.prove('auth', '1234', payload);
    const [, body] = jws.split('.') as [string, string];
    expect(Buffer.from(body, 'base64url')).toEqual(canonicalBytes(payload));
    expect(verifyJws(jws, phone.deviceKeys.publicJwk('auth'))).toEqual({ header: { alg: 'ES256' }, payload });
    expect(verifyJws(jws, phone.deviceKeys.publicJwk('sign'))).toBeUndefined();
  });
});

describe('JPKI client', () => {
  it('follows the reference sequence: applet, PIN EF, tries first, VERIFY, header, chunks, key, DigestInfo', async () => {
    const phone = new VirtualPhone();
    await phone.setPins('1234', '567890', { kdf });
    const card = issued.reissue();
    const signed = await phone.signRegistration(card, 'abcd1234', challenge);
    const commands = signed.exchanges.map((e) => e.command.toString('hex').toUpperCase());
    expect(commands[0]).toBe('00A4040C0AD392F000260100000001');
    expect(commands[1]).toBe('00A4020C02001B');
    expect(commands[2]).toBe('00200080');
    expect(commands[3]).toBe(`0020008008${Buffer.from('ABCD1234').toString('hex').toUpperCase()}`);
    expect(commands[4]).toBe('00A4020C020001');
    expect(commands[5]).toBe('00B0000004');
    const reads = commands.filter((c) => c.startsWith('00B0'));
    expect(reads.length).toBeGreaterThan(2);
    expect(commands.at(-2)).toBe('00A4020C02001A');
    expect(commands.at(-1)).toMatch(/^802A008033303130/);
    const statuses = signed.exchanges.map(({ response }) => hex(splitResponse(response).sw));
    expect(statuses[2]).toBe('63C5');
    expect(statuses.filter((_, i) => i !== 2).every((status) => status === '9000')).toBe(true);
  });

  it('returns the card certificate and a signature that verifies over the statement JCS', async () => {
    const phone = new VirtualPhone();
    await phone.setPins('1234', '567890', { kdf });
    const signed = await phone.signRegistration(issued.reissue(), 'ABCD1234', challenge);
    const certificate = Buffer.from(signed.certificate, 'base64');
    expect(certificate.equals(issued.signature?.der ?? Buffer.alloc(0))).toBe(true);
    const ok = verify(
      'sha256',
      canonicalBytes(signed.statement),
      new X509Certificate(certificate).publicKey,
      Buffer.from(signed.signature, 'base64'),
    );
    expect(ok).toBe(true);
    expect(signed.statement).toMatchObject({
      type: 'xid/registration/v1',
      challengeId: 'c-1',
      termsVersion: '2026-11-01',
      authKey: phone.deviceKeys.publicJwk('auth'),
      signKey: phone.deviceKeys.publicJwk('sign'),
    });
  });

  it('refuses a badly shaped signature PIN before touching the card', async () => {
    const phone = new VirtualPhone();
    await phone.setPins('1234', '567890', { kdf });
    const card = issued.reissue();
    await expect(phone.signRegistration(card, 'AB-12', challenge)).rejects.toMatchObject({
      code: 'pin_format',
    });
    expect(card.triesLeft('sign')).toBe(5);
  });

  it('reports a wrong PIN with the tries left', async () => {
    const phone = new VirtualPhone();
    await phone.setPins('1234', '567890', { kdf });
    const card = issued.reissue();
    await expect(phone.signRegistration(card, 'WRONG123', challenge)).rejects.toMatchObject({
      code: 'pin_incorrect',
      triesLeft: 4,
    });
  });

  it('stops at zero tries without sending VERIFY', async () => {
    const card = issued.reissue();
    for (let i = 0; i < 5; i++) {
      await new JpkiClient(new NfcTap(card))
        .signWithSignatureCertificate('WRONG123', () => Buffer.alloc(1))
        .catch(() => 0);
    }
    expect(card.triesLeft('sign')).toBe(0);
    const tap = new NfcTap(card);
    const error = await new JpkiClient(tap)
      .signWithSignatureCertificate('ABCD1234', () => Buffer.alloc(1))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JpkiError);
    expect((error as JpkiError).code).toBe('pin_blocked');
    expect(tap.exchanges.some((e) => e.command.length > 4 && e.command[1] === 0x20)).toBe(false);
  });

  it('says so when the card has no signature certificate', async () => {
    const child = await issueCard(pki, {}, { withoutSignatureCertificate: true });
    const error = await new JpkiClient(new NfcTap(child.card))
      .signWithSignatureCertificate('ABCD1234', () => Buffer.alloc(1))
      .catch((e: unknown) => e);
    expect((error as JpkiError).code).toBe('no_certificate');
  });
});
