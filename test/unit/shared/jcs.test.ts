import referenceCanonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanonicalizationError, canonicalize, hasLoneSurrogate } from '#functions/shared/jcs';

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

describe('JCS against the reference implementation (canonicalize on npm)', () => {
  /** Strings that may hold lone surrogates (fast-check's own string units never do). */
  const text = fc
    .array(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 4 }),
        fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
      ),
      { maxLength: 4 },
    )
    .map((parts) => parts.join(''));
  const { json } = fc.letrec((tie) => ({
    json: fc.oneof(
      { depthSize: 'small' },
      text,
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('json'), { maxLength: 4 }),
      fc.dictionary(text, tie('json'), { maxKeys: 4 }),
    ),
  }));

  it('gives the same bytes, and refuses exactly what it refuses (lone surrogates)', () => {
    fc.assert(
      fc.property(json, (value) => {
        let reference: string | undefined;
        try {
          reference = referenceCanonicalize(value);
        } catch {
          reference = undefined;
        }
        if (reference === undefined) {
          expect(() => canonicalize(value)).toThrow(CanonicalizationError);
          expect(hasLoneSurrogate(value)).toBe(true);
        } else {
          expect(canonicalize(value)).toBe(reference);
          expect(hasLoneSurrogate(value)).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('finds a lone surrogate however deep it is nested, without overflowing the stack', () => {
    const deep = (depth: number, leaf: string) =>
      JSON.parse(`${'['.repeat(depth)}"${leaf}"${']'.repeat(depth)}`);
    expect(hasLoneSurrogate(deep(20_000, '\\ud800'))).toBe(true);
    expect(hasLoneSurrogate(deep(20_000, 'ok'))).toBe(false);
  });

  it('refuses lone surrogates in values and in member names, and keeps pairs', () => {
    expect(() => canonicalize('\ud800')).toThrow(/lone surrogate/);
    expect(() => canonicalize({ '\udc00': 1 })).toThrow(/lone surrogate/);
    expect(() => canonicalize(['a\ud83db'])).toThrow(/lone surrogate/);
    expect(canonicalize('\ud83d\ude00')).toBe('"\u{1f600}"');
  });
});
