import { constants, createHash, publicDecrypt, X509Certificate } from 'node:crypto';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256DigestInfo } from '#functions/jpki/profile';
import { command, splitResponse } from '#test/harness/card/apdu';
import { EF, JPKI_AID, type VirtualJpkiCard } from '#test/harness/card/jpki-card';
import { createTestPki, type IssuedCard, issueCard, type TestPki } from '#test/harness/cards';

let pki: TestPki;
let issued: IssuedCard;
let card: VirtualJpkiCard;

const send = (apdu: Buffer) => splitResponse(card.transceive(apdu));
const sw = (apdu: Buffer) => send(apdu).sw.toString(16).toUpperCase();
const selectAp = () => sw(command(0x00, 0xa4, 0x04, 0x0c, JPKI_AID));
const selectEf = (id: number) => sw(command(0x00, 0xa4, 0x02, 0x0c, Buffer.from([id >> 8, id & 0xff])));
const verify = (pin?: string) =>
  sw(command(0x00, 0x20, 0x00, 0x80, pin ? Buffer.from(pin, 'ascii') : undefined));
const read = (offset: number, le: number) =>
  send(command(0x00, 0xb0, (offset >> 8) & 0xff, offset & 0xff, undefined, le));
const signApdu = (data: Buffer, p1 = 0x00) => command(0x80, 0x2a, p1, 0x80, data, 256);

beforeAll(async () => {
  pki = await createTestPki();
  issued = await issueCard(pki, { signPin: 'ABCD1234', authPin: '1234' });
});

beforeEach(() => {
  card = issued.reissue();
});

describe('virtual JPKI card: SELECT', () => {
  it('selects the JPKI applet by AID with P2 0C, and with P2 00', () => {
    expect(selectAp()).toBe('9000');
    expect(sw(command(0x00, 0xa4, 0x04, 0x00, JPKI_AID))).toBe('9000');
  });

  it('does not know other applications', () => {
    expect(sw(command(0x00, 0xa4, 0x04, 0x0c, Buffer.from('D3921000310001010408', 'hex')))).toBe('6A82');
  });

  it('selects every EF of the applet and answers 6A82 for an unknown one', () => {
    selectAp();
    for (const id of Object.values(EF)) expect(selectEf(id)).toBe('9000');
    expect(selectEf(0x0099)).toBe('6A82');
  });

  it('answers 6A82 to an EF before the applet is selected, and to SELECT 3F00', () => {
    expect(selectEf(EF.authCertificate)).toBe('6A82');
    expect(sw(command(0x00, 0xa4, 0x00, 0x00, Buffer.from([0x3f, 0x00])))).toBe('6A82');
  });

  it('answers 6A86 to SELECT MF right after reset, and to an unknown P1', () => {
    expect(sw(command(0x00, 0xa4, 0x00, 0x00))).toBe('6A86');
    expect(sw(command(0x00, 0xa4, 0x08, 0x0c, Buffer.from([0x00, 0x01])))).toBe('6A86');
  });
});

describe('virtual JPKI card: VERIFY and PIN counters', () => {
  it('answers the empty VERIFY with 63Cx, spending no try: 5 for the signature PIN, 3 for authentication', () => {
    selectAp();
    selectEf(EF.signPin);
    expect(verify()).toBe('63C5');
    expect(verify()).toBe('63C5');
    selectEf(EF.authPin);
    expect(verify()).toBe('63C3');
  });

  it('counts down on a wrong PIN and resets the counter on a right one', () => {
    selectAp();
    selectEf(EF.signPin);
    expect(verify('WRONG1')).toBe('63C4');
    expect(verify('WRONG2')).toBe('63C3');
    expect(verify('ABCD1234')).toBe('9000');
    expect(verify()).toBe('63C5');
  });

  it('compares exactly: a lower-case PIN is a wrong PIN', () => {
    selectAp();
    selectEf(EF.signPin);
    expect(verify('abcd1234')).toBe('63C4');
  });

  it('blocks at zero with 63C0, then answers every VERIFY with 6984 and the empty one with 63C0', () => {
    selectAp();
    selectEf(EF.authPin);
    expect(verify('0000')).toBe('63C2');
    expect(verify('0000')).toBe('63C1');
    expect(verify('0000')).toBe('63C0');
    expect(verify('1234')).toBe('6984');
    expect(verify()).toBe('63C0');
  });

  it('keeps counters and blocked PINs across taps', () => {
    selectAp();
    selectEf(EF.signPin);
    verify('WRONG1');
    card.powerOn();
    selectAp();
    selectEf(EF.signPin);
    expect(verify()).toBe('63C4');
  });

  it('keeps the two PINs independent', () => {
    selectAp();
    selectEf(EF.authPin);
    verify('0000');
    selectEf(EF.signPin);
    expect(verify()).toBe('63C5');
  });

  it('refuses VERIFY when the current EF is not a PIN', () => {
    selectAp();
    selectEf(EF.authCertificate);
    expect(verify('1234')).toBe('6986');
  });

  it('verifies a PIN named by its short EF identifier (P2 = 80 | SFI)', () => {
    selectAp();
    expect(sw(command(0x00, 0x20, 0x00, 0x98, Buffer.from('1234')))).toBe('9000');
  });

  it('changes a PIN after it was verified, and refuses before', () => {
    selectAp();
    selectEf(EF.authPin);
    expect(sw(command(0x00, 0x24, 0x01, 0x80, Buffer.from('5678')))).toBe('6982');
    verify('1234');
    expect(sw(command(0x00, 0x24, 0x01, 0x80, Buffer.from('5678')))).toBe('9000');
    expect(verify('5678')).toBe('9000');
  });
});

describe('virtual JPKI card: READ BINARY', () => {
  it('reads the authentication certificate without a PIN, by offset and chunks', () => {
    selectAp();
    selectEf(EF.authCertificate);
    const header = read(0, 4);
    expect(header.sw).toBe(0x9000);
    expect(header.data[0]).toBe(0x30);
    expect(header.data[1]).toBe(0x82);
    const total = header.data.readUInt16BE(2) + 4;
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < total; offset += 256)
      chunks.push(read(offset, Math.min(256, total - offset)).data);
    expect(Buffer.concat(chunks).equals(issued.authentication.der)).toBe(true);
  });

  it('answers 6982 for the signature certificate before the signature PIN, and the certificate after', () => {
    selectAp();
    selectEf(EF.signCertificate);
    expect(read(0, 4).sw).toBe(0x6982);
    selectEf(EF.signPin);
    verify('ABCD1234');
    selectEf(EF.signCertificate);
    expect(read(0, 4).sw).toBe(0x9000);
  });

  it('forgets the verified PIN on a new tap and on a new SELECT of the applet', () => {
    selectAp();
    selectEf(EF.signPin);
    verify('ABCD1234');
    selectAp();
    selectEf(EF.signCertificate);
    expect(read(0, 4).sw).toBe(0x6982);
    selectEf(EF.signPin);
    verify('ABCD1234');
    card.powerOn();
    selectAp();
    selectEf(EF.signCertificate);
    expect(read(0, 4).sw).toBe(0x6982);
  });

  it('returns what is left when Le asks for more, and 6B00 past the end of the EF', () => {
    selectAp();
    selectEf(EF.certificatePresence);
    const all = read(0, 256);
    expect(all.sw).toBe(0x9000);
    expect(all.data).toEqual(Buffer.from([0x8f, 0x8f, 0x00]));
    expect(read(2, 256).data).toEqual(Buffer.from([0x00]));
    expect(read(3, 1).sw).toBe(0x6b00);
  });

  it('reads by short EF identifier (P1 = 80 | SFI)', () => {
    selectAp();
    const { sw: status, data } = send(command(0x00, 0xb0, 0x80 | 0x0a, 0x00, undefined, 4));
    expect(status).toBe(0x9000);
    expect(data[0]).toBe(0x30);
  });

  it('holds the token information JPKIAPICCTOKEN2 in EF 0006 (160 bytes)', () => {
    selectAp();
    selectEf(EF.tokenInfo);
    const { data } = read(0, 160);
    expect(data.length).toBe(160);
    expect(data.subarray(0, 32).toString('ascii')).toBe('JPKIAPICCTOKEN2'.padEnd(32, ' '));
  });

  it('says in EF 0008 when a card has no signature certificate, and has no EF 0001 then', async () => {
    const child = await issueCard(pki, {}, { withoutSignatureCertificate: true });
    card = child.card;
    selectAp();
    selectEf(EF.certificatePresence);
    expect(read(0, 3).data[0]).not.toBe(0x8f);
    expect(selectEf(EF.signCertificate)).toBe('6A82');
  });

  it('answers 6700 to READ BINARY without Le', () => {
    selectAp();
    selectEf(EF.authCertificate);
    expect(sw(command(0x00, 0xb0, 0x00, 0x00))).toBe('6700');
  });

  it('gives the CA certificates freely', () => {
    selectAp();
    selectEf(EF.signCaCertificate);
    const header = read(0, 4).data;
    const total = header.readUInt16BE(2) + 4;
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < total; offset += 256)
      chunks.push(read(offset, Math.min(256, total - offset)).data);
    expect(new X509Certificate(Buffer.concat(chunks)).subject).toContain('O=JPKI-TEST');
  });
});

describe('virtual JPKI card: COMPUTE DIGITAL SIGNATURE', () => {
  const message = Buffer.from('xid registration statement');
  const digestInfo = sha256DigestInfo(createHash('sha256').update(message).digest());
  const publicKey = () => new X509Certificate(issued.signature?.der ?? Buffer.alloc(0)).publicKey;

  const unlockSign = () => {
    selectAp();
    selectEf(EF.signPin);
    verify('ABCD1234');
    selectEf(EF.signKey);
  };

  it('pads a DigestInfo (PKCS#1 v1.5 type 1) and signs it: an ordinary RSASSA-PKCS1-v1_5 signature', async () => {
    unlockSign();
    const { sw: status, data } = send(signApdu(digestInfo));
    expect(status).toBe(0x9000);
    expect(data.length).toBe(256);
    const { verify: check } = await import('node:crypto');
    expect(check('sha256', message, publicKey(), data)).toBe(true);
    const recovered = publicDecrypt({ key: publicKey(), padding: constants.RSA_NO_PADDING }, data);
    expect(recovered.subarray(0, 2)).toEqual(Buffer.from([0x00, 0x01]));
  });

  it('answers 6982 without the PIN', () => {
    selectAp();
    selectEf(EF.signKey);
    expect(sw(signApdu(digestInfo))).toBe('6982');
  });

  it('does not let the authentication PIN unlock the signature key', () => {
    selectAp();
    selectEf(EF.authPin);
    verify('1234');
    selectEf(EF.signKey);
    expect(sw(signApdu(digestInfo))).toBe('6982');
  });

  it('answers 6700 to an input longer than 245 bytes', () => {
    unlockSign();
    expect(sw(signApdu(Buffer.alloc(246, 1)))).toBe('6700');
  });

  it('hashes and wraps on the card with P1 03, and wraps a given hash with P1 02', async () => {
    const { verify: check } = await import('node:crypto');
    unlockSign();
    expect(check('sha256', message, publicKey(), send(signApdu(message, 0x03)).data)).toBe(true);
    const hash = createHash('sha256').update(message).digest();
    expect(check('sha256', message, publicKey(), send(signApdu(hash, 0x02)).data)).toBe(true);
  });

  it('answers 6A86 to the RSASSA-PSS schemes it does not emulate', () => {
    unlockSign();
    expect(sw(signApdu(message, 0x05))).toBe('6A86');
  });

  it('refuses to sign when the current EF is not a key', () => {
    selectAp();
    selectEf(EF.signPin);
    verify('ABCD1234');
    expect(sw(signApdu(digestInfo))).toBe('6986');
  });
});

describe('virtual JPKI card: what it does not support', () => {
  it('answers 6D00 to an unknown instruction and 6E00 to an unknown class', () => {
    selectAp();
    expect(sw(command(0x00, 0x88, 0x00, 0x00, Buffer.alloc(8)))).toBe('6D00');
    expect(sw(command(0x80, 0xb0, 0x00, 0x00, undefined, 4))).toBe('6D00');
    expect(sw(command(0xa0, 0xa4, 0x04, 0x0c, JPKI_AID))).toBe('6E00');
  });

  it('refuses other logical channels and secure messaging', () => {
    expect(sw(command(0x01, 0xa4, 0x04, 0x0c, JPKI_AID))).toBe('6881');
    expect(sw(command(0x0c, 0xa4, 0x04, 0x0c, JPKI_AID))).toBe('6882');
    expect(sw(command(0x0c, 0xb0, 0x00, 0x00, undefined, 4))).toBe('69FC');
  });

  it('answers 6700 to a command whose Lc does not match its length', () => {
    expect(sw(Buffer.from([0x00, 0xa4, 0x04, 0x0c, 0x0a, 0xd3, 0x92]))).toBe('6700');
  });
});
