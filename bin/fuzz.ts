/**
 * `npm run fuzz`: the differential properties of the DER, certificate and CRL readers
 * (test/property/parsers.ts) with at least 100,000 cases in all (`FUZZ_CASES` for more), shared by weight.
 * Prints each property's cases, time and seed; a failure prints the shrunk counterexample and exits 1.
 * `FUZZ_SEED` replays a run.
 */
import fc from 'fast-check';
import { makeSamples, parserProperties } from '../test/property/parsers.ts';

const total = Math.max(100_000, Number(process.env.FUZZ_CASES ?? 100_000));
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const properties = parserProperties(await makeSamples());
const weights = properties.reduce((sum, p) => sum + p.weight, 0);

console.log(`fuzzing the parsers: ${total.toLocaleString()} cases, seed ${seed}`);
let cases = 0;
let failed = false;
const started = performance.now();
for (const { name, weight, property } of properties) {
  const numRuns = Math.ceil((total * weight) / weights);
  const start = performance.now();
  const result = await fc.check(property, { numRuns, seed });
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  cases += result.numRuns;
  if (result.failed) {
    failed = true;
    console.log(`FAIL ${name} after ${result.numRuns} cases (${seconds} s)`);
    console.log(fc.defaultReportMessage(result));
  } else {
    console.log(`ok   ${name}: ${result.numRuns.toLocaleString()} cases in ${seconds} s`);
  }
}
console.log(`${cases.toLocaleString()} cases in ${((performance.now() - started) / 1000).toFixed(0)} s`);
process.exit(failed ? 1 : 0);
