import { createHash, sign } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '#functions/jpki/certificate';
import { parseCrl, RevocationChecker } from '#functions/jpki/crl';
import { DerError } from '#functions/jpki/der';
import { loadTrustAnchors, type TrustAnchor } from '#functions/jpki/trust';
import { JpkiVerifier } from '#functions/jpki/verify';
import { ProblemError } from '#functions/shared/problems';
import { createTestPki, type IssuedCard, issueCard, type TestPki } from '#test/harness/cards';
import { MemoryCrls } from '#test/harness/pki/memory-crls';
import { TestCa } from '#test/harness/pki/test-pki';

let pki: TestPki;
let anchors: TrustAnchor[];
let card: IssuedCard;
const message = Buffer.from('{"type":"xid/registration/v1"}');
const DAY = 86_400_000;

/** Signs like the card: RSASSA-PKCS1-v1_5 / SHA-256 with the certificate's key. */
const cardSignature = (c: IssuedCard, data = message) =>
  sign('sha256', data, c.signature?.key.privateKey ?? '');

function verifier(crls: Record<string, Uint8Array | Error>, options: { clock?: () => Date } = {}) {
  const reader = new MemoryCrls(crls);
  const revocation = new RevocationChecker({ reader, anchors, retryMs: 0 });
  return { verifier: new JpkiVerifier({ anchors, revocation, ...options }), reads: reader.reads };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProblemError);
  return (error as ProblemError).code;
}

beforeAll(async () => {
  pki = await createTestPki();
  anchors = loadTrustAnchors([pki.signCa.der], { allowTest: true });
  card = await issueCard(pki, { name: '検証\u3000花子', gender: 'female', dateOfBirth: '1966-11-10' });
});

describe('JPKI verifier', () => {
  it('returns the four items, decoded, and what identifies the certificate without the certificate', async () => {
    const { verifier: v } = verifier({ crl: await pki.signCa.crl() });
    const result = await v.verify(card.signature?.der ?? Buffer.alloc(0), message, cardSignature(card));
    expect(result.items).toEqual({
      name: '検証\u3000花子',
      nameFlags: '00000',
      gender: 'female',
      dateOfBirth: '1966-11-10',
      address: card.holder.address,
      addressFlags: card.holder.addressFlags,
    });
    expect(BigInt(`0x${result.certificate.serial}`)).toBe(BigInt(`0x${card.signature?.serial}`));
    expect(result.certificate).toMatchObject({
      sha256: createHash('sha256')
        .update(card.signature?.der ?? '')
        .digest('hex'),
      testAnchor: true,
    });
    expect(JSON.stringify(result)).not.toContain(
      (card.signature?.der ?? Buffer.alloc(0)).toString('base64').slice(0, 40),
    );
  });

  it('checks validity before the profile, and the profile before revocation', async () => {
    const expiredWeak = await issueCard(
      pki,
      {},
      {
        sign: {
          keyBits: 1024,
          notBefore: new Date(Date.now() - 9 * DAY),
          notAfter: new Date(Date.now() - DAY),
        },
      },
    );
    const { verifier: v, reads } = verifier({ crl: new Error('unreachable') });
    expect(
      await codeOf(v.verify(expiredWeak.signature?.der ?? Buffer.alloc(0), message, Buffer.alloc(256))),
    ).toBe('certificate_expired');
    const weak = await issueCard(pki, {}, { sign: { keyBits: 1024 } });
    expect(await codeOf(v.verify(weak.signature?.der ?? Buffer.alloc(0), message, Buffer.alloc(256)))).toBe(
      'certificate_profile',
    );
    expect(reads).toEqual([]);
  });

  it('refuses a certificate that verifies under no anchor, even with the right issuer name', async () => {
    const forged = await issueCard(pki, {}, { signCa: await TestCa.create() });
    const { verifier: v } = verifier({ crl: await pki.signCa.crl() });
    expect(
      await codeOf(v.verify(forged.signature?.der ?? Buffer.alloc(0), message, cardSignature(forged))),
    ).toBe('certificate_untrusted');
  });

  it('requires the production policy under a production anchor', async () => {
    // Treat the test CA as if it were pinned: its cards carry only the test policy.
    const production = anchors.map((a) => ({ ...a, test: false }));
    const revocation = new RevocationChecker({
      reader: new MemoryCrls({ crl: await pki.signCa.crl() }),
      anchors: production,
    });
    const v = new JpkiVerifier({ anchors: production, revocation });
    expect(await codeOf(v.verify(card.signature?.der ?? Buffer.alloc(0), message, cardSignature(card)))).toBe(
      'certificate_profile',
    );
  });

  it('refuses a signature over other bytes', async () => {
    const { verifier: v } = verifier({ crl: await pki.signCa.crl() });
    const other = cardSignature(card, Buffer.from('something else'));
    expect(await codeOf(v.verify(card.signature?.der ?? Buffer.alloc(0), message, other))).toBe(
      'signature_invalid',
    );
  });

  it('answers certificate_malformed for bytes that are not a certificate', async () => {
    const { verifier: v } = verifier({});
    expect(await codeOf(v.verify(Buffer.from('30820100', 'hex'), message, Buffer.alloc(256)))).toBe(
      'certificate_malformed',
    );
  });
});

describe('revocation', () => {
  it('finds a revoked serial and fails closed when no usable CRL exists', async () => {
    const serial = card.signature?.serial ?? '';
    const { verifier: revoked } = verifier({ crl: await pki.signCa.crl({ revoked: [{ serial }] }) });
    expect(
      await codeOf(revoked.verify(card.signature?.der ?? Buffer.alloc(0), message, cardSignature(card))),
    ).toBe('certificate_revoked');
    const stale = await pki.signCa.crl({
      thisUpdate: new Date(Date.now() - 3 * DAY),
      nextUpdate: new Date(Date.now() - DAY),
    });
    const forged = await pki.signCa.crl({ signer: (await TestCa.create()).key });
    const cases: Record<string, Uint8Array | Error>[] = [
      {},
      { a: new Error('down') },
      { a: stale },
      { a: forged },
      { a: Buffer.from('garbage') },
    ];
    for (const crls of cases) {
      const { verifier: v } = verifier(crls);
      expect(
        await codeOf(v.verify(card.signature?.der ?? Buffer.alloc(0), message, cardSignature(card))),
      ).toBe('revocation_unavailable');
    }
  });

  it('reads every entry of a long CRL, serials normalised as in certificates', async () => {
    const serials = Array.from({ length: 2000 }, (_, i) => (i + 1).toString(16).padStart(8, '0'));
    const crl = parseCrl(await pki.signCa.crl({ revoked: serials.map((serial) => ({ serial })) }));
    expect(crl.revoked.size).toBe(2000);
    expect(crl.revoked.has('07d0')).toBe(true);
    expect(crl.revoked.has(parseCertificate(card.signature?.der ?? Buffer.alloc(0)).serial)).toBe(false);
  });
});

describe('DER reader', () => {
  it('refuses every truncation of a certificate with a DerError, never anything else', () => {
    const der = card.signature?.der ?? Buffer.alloc(0);
    for (let length = 0; length < der.length; length += 7) {
      expect(() => parseCertificate(der.subarray(0, length))).toThrow(DerError);
    }
  });

  it('refuses trailing bytes and indefinite lengths', () => {
    const der = card.signature?.der ?? Buffer.alloc(0);
    expect(() => parseCertificate(Buffer.concat([der, Buffer.from([0])]))).toThrow(DerError);
    expect(() => parseCertificate(Buffer.from([0x30, 0x80, 0x00, 0x00]))).toThrow(DerError);
  });
});
