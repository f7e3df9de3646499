#!/usr/bin/env -S npx tsx
import { parseArgs } from 'node:util';
import { runCommand } from '../lib/local/commands.ts';
import { startRuntimeProcess } from '../test/integration/local-runtime.ts';

/**
 * `npm run demo:repeat [-- --times 10]`: starts its own local runtime (free ports, a temporary state
 * folder, beside any `npm start` that is running), runs `npm run demo` against it that many times in a row,
 * and prints each outcome and then `<n> passed, <m> failed`. Exits 1 if any run failed. It is the check
 * that the demo is reliable, not only lucky once.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({ options: { times: { type: 'string', default: '10' } } });
const times = Number(values.times);
if (!Number.isInteger(times) || times < 1 || times > 100) {
  console.error('--times is a whole number from 1 to 100');
  process.exit(2);
}

const runtime = await startRuntimeProcess();
let passed = 0;
let failed = 0;
try {
  for (let run = 1; run <= times; run += 1) {
    const started = performance.now();
    const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
    try {
      const stdout = await runCommand('bin/demo.ts', [], {
        ...process.env,
        XID_LOCAL_DIR: runtime.stateDir,
      });
      if (!stdout.includes('the journey is complete')) throw new Error('the demo did not reach its end');
      passed += 1;
      console.log(`run ${run}/${times}: passed in ${seconds()} s`);
    } catch (error) {
      failed += 1;
      const { stderr, message } = error as { stderr?: string; message: string };
      console.log(`run ${run}/${times}: FAILED after ${seconds()} s`);
      console.log((stderr || message).trim().split('\n').slice(-8).join('\n'));
    }
  }
} finally {
  await runtime.stop();
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
