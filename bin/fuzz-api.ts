#!/usr/bin/env -S npx tsx
import { parseArgs } from 'node:util';
import { startWorld } from '../test/e2e/world.ts';
import { fuzzApi } from '../test/fuzz/api-fuzz.ts';

/**
 * `npm run fuzz:api [-- --count 2000 --seed <n>]`: starts its own local runtime (free ports, a temporary
 * state folder) and sends that many mutated requests across every route (test/fuzz/api-fuzz.ts). Prints
 * what came back, per status, route and kind of mutation, and every failure: a 5xx, an answer slower than
 * 5 seconds, or a refused request after which the table had changed. Exits 1 on any failure. The same seed
 * makes the same requests; a smaller pass runs in `npm test` (test/e2e/fuzz.test.ts).
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '2000' }, seed: { type: 'string' } },
});
const count = Number(values.count);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(seed)) {
  console.error('--count and --seed are whole numbers');
  process.exit(2);
}

console.log(`fuzz:api: ${count} mutated requests, seed ${seed}; starting a local runtime…`);
const world = await startWorld();
try {
  const result = await fuzzApi(world, {
    count,
    seed,
    progress: (sent) => {
      if (sent % 250 === 0) console.log(`  ${sent} sent`);
    },
  });
  const table = (record: Record<string, number>) =>
    Object.entries(record)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `    ${k.padEnd(42)} ${v}`)
      .join('\n');
  console.log(`\nsent ${result.sent} requests in ${result.seconds.toFixed(1)} s (seed ${seed})`);
  console.log(`  by status\n${table(result.byStatus)}`);
  console.log(`  by route\n${table(result.byRoute)}`);
  console.log(`  by mutation\n${table(result.byMutation)}`);
  console.log(`failures: ${result.failures.length}`);
  for (const failure of result.failures.slice(0, 50)) console.log(`  ${JSON.stringify(failure)}`);
  process.exitCode = result.failures.length === 0 ? 0 : 1;
} finally {
  await world.stop();
}
