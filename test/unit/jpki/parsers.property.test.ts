import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { makeSamples, type NamedProperty, parserProperties } from '#test/property/parsers';

/**
 * The differential properties of test/property/parsers.ts, a few thousand cases in all; `npm run fuzz`
 * runs the same properties with at least 100,000.
 */
const CASES = 3000;
let properties: NamedProperty[] = [];

beforeAll(async () => {
  properties = parserProperties(await makeSamples());
}, 60_000);

describe('parsers of untrusted bytes', () => {
  const names = [
    'DER reader agrees with asn1js on valid DER',
    'DER reader refuses mutated DER with DerError, or reads it as asn1js does',
    'certificate reader agrees with @peculiar/asn1-x509 and node on valid certificates',
    'certificate reader refuses mutated certificates with DerError, never accepting what others refuse',
    'CRL reader agrees with @peculiar/asn1-x509 on valid CRLs',
    'CRL reader refuses mutated CRLs with DerError, never accepting what others refuse',
  ];
  for (const name of names) {
    it(name, () => {
      const found = properties.find((p) => p.name === name);
      if (!found) throw new Error(`no property named ${name}`);
      const total = properties.reduce((sum, p) => sum + p.weight, 0);
      fc.assert(found.property, { numRuns: Math.ceil((CASES * found.weight) / total) });
    }, 120_000);
  }
});
