import fc from 'fast-check';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { claimLink } from '#functions/oidc/page';
import { encodeQr, MAX_VERSION, penalty, QrError, qrSvg, reedSolomon, versionFor } from '#functions/oidc/qr';

/** The reference: the `qrcode` package, told to use byte mode and level M as our encoder does. */
function reference(text: string, version?: number, mask?: number) {
  const symbol = QRCode.create([{ data: text, mode: 'byte' }] as unknown as string, {
    errorCorrectionLevel: 'M',
    ...(version ? { version } : {}),
    ...(mask !== undefined ? { maskPattern: mask as QRCode.QRCodeMaskPattern } : {}),
  });
  const size = symbol.modules.size;
  const modules = Array.from({ length: size }, (_, y) =>
    Array.from({ length: size }, (_, x) => Boolean(symbol.modules.get(y, x))),
  );
  return { version: symbol.version, mask: symbol.maskPattern, modules };
}

describe('QR encoder', () => {
  it('draws the same symbol as the qrcode package for every mask', () => {
    const text = claimLink('BCDF-GHJK');
    const ours = encodeQr(text);
    for (let mask = 0; mask < 8; mask++) {
      expect(encodeQr(text, { version: ours.version, mask }).modules).toEqual(
        reference(text, ours.version, mask).modules,
      );
    }
  });

  // The mask choice may differ: the package rates the dark proportion 50–55 % as one step off (ISO/IEC
  // 18004 §7.8.3 rates 45–55 % as none), so the comparison is made with the mask we chose.
  it('chooses the same version as the qrcode package and draws the same modules, for any text that fits', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }), (text) => {
        const ours = encodeQr(text);
        const theirs = reference(text, undefined, ours.mask);
        expect(ours.version).toBe(theirs.version);
        expect(ours.modules).toEqual(theirs.modules);
      }),
      { numRuns: 60 },
    );
  });

  it('reaches version 10 and refuses what does not fit', () => {
    expect(versionFor(213)).toBe(MAX_VERSION);
    expect(encodeQr('x'.repeat(213)).size).toBe(57);
    expect(() => encodeQr('x'.repeat(214))).toThrow(QrError);
  });

  it('computes Reed–Solomon codewords of the standard example (ISO/IEC 18004 Annex I, 1-M)', () => {
    const data = [
      0x10, 0x20, 0x0c, 0x56, 0x61, 0x80, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11,
    ];
    expect(reedSolomon(data, 10)).toEqual([0xa5, 0x24, 0xd4, 0xc1, 0xed, 0x36, 0xc7, 0x87, 0x2c, 0x55]);
  });

  it('picks the mask of least penalty', () => {
    const text = claimLink('ZXWV-TSRQ');
    const chosen = encodeQr(text);
    for (let mask = 0; mask < 8; mask++)
      expect(penalty(encodeQr(text, { version: chosen.version, mask }).modules)).toBeGreaterThanOrEqual(
        penalty(chosen.modules),
      );
  });

  it('draws an SVG with a quiet zone and an escaped title', () => {
    const svg = qrSvg('hello', { title: '<QR>', pixels: 120 });
    expect(svg).toMatch(
      /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 29 29" width="120" height="120"/,
    );
    expect(svg).toContain('<title>&#60;QR&#62;</title>');
    expect(svg).not.toContain('<QR>');
  });
});
