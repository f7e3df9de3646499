import { describe, expect, it } from 'vitest';
import { CanonicalizationError, canonicalize } from '#functions/shared/jcs';

describe('JCS (RFC 8785)', () => {
  it('sorts members by UTF-16 code units, recursively, with no whitespace', () => {
    expect(
      canonicalize({
        b: 1,
        a: { d: true, c: null },
        '\u20ac': 'euro',
        '\r': 'cr',
        '1': 'one',
        '\u{1f600}': 'x',
      }),
    ).toBe('{"\\r":"cr","1":"one","a":{"c":null,"d":true},"b":1,"\u20ac":"euro","\u{1f600}":"x"}');
  });

  it('serialises numbers as ECMAScript does (RFC 8785 §3.2.2.3 examples)', () => {
    expect(canonicalize([1e21, 1e-7, 0.000001, -0, 333333333.3333333, 4.5, 2e-3])).toBe(
      '[1e+21,1e-7,0.000001,0,333333333.3333333,4.5,0.002]',
    );
  });

  it('escapes strings minimally', () => {
    expect(canonicalize('\u0000\u001f"\\/\u2028é公的')).toBe('"\\u0000\\u001f\\"\\\\/\u2028é公的"');
  });

  it('keeps array order and drops undefined members', () => {
    expect(canonicalize({ z: [3, 1, 2], u: undefined })).toBe('{"z":[3,1,2]}');
  });

  it('refuses what JSON cannot carry', () => {
    expect(() => canonicalize(Number.NaN)).toThrow(CanonicalizationError);
    expect(() => canonicalize({ a: () => 1 })).toThrow(CanonicalizationError);
  });
});
