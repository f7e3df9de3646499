import { SNSClient } from '@aws-sdk/client-sns';
import { addTallies } from '../functions/shared/aws-calls.ts';
import { ENV } from '../functions/shared/env.ts';
import { LOCAL_CREDENTIALS } from '../functions/shared/names.ts';
import { runCommand } from '../lib/local/commands.ts';
import { PIN1, PIN2, startWorld } from '../test/e2e/world.ts';
import { LocalInvocations, publishToIngest } from '../test/harness/aws-calls.ts';
import { issueCard } from '../test/harness/cards.ts';
import type { VirtualPhone } from '../test/harness/phone/phone.ts';
import { rsaKeyPair } from '../test/harness/pki/keys.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const RESIDENTS = Number(process.env.BURST_RESIDENTS ?? 2000);
const SHARE = Number(process.env.BURST_SHARE ?? 0.2);
const WINDOW_SECONDS = Number(process.env.BURST_WINDOW_SECONDS ?? 60);
const SETUP_CONCURRENCY = Number(process.env.BURST_SETUP_CONCURRENCY ?? 8);
const CODE = '131091';
const ADDRESS = '東京都品川区広町2-1-36';

/** Runs `task` for 0…count-1 with at most `concurrency` at a time. */
async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

console.log(`starting the local runtime…`);
// Thousands of residents from one loopback address: the WAF's per-address rules are not what is measured.
const world = await startWorld(async () => ({ XID_RATE_LIMITS: 'off' }));
const invocations = new LocalInvocations(world.runtime.apiUrl);
const env = world.runtime.record.environment;
const sns = new SNSClient({
  endpoint: env[ENV.localAwsEndpoint],
  region: env.AWS_REGION,
  credentials: LOCAL_CREDENTIALS,
});
try {
  await runCommand(
    'bin/municipality.ts',
    ['onboard', CODE, '--publisher', 'arn:aws:iam::210987654321:role/burst'],
    {
      ...process.env,
      XID_LOCAL_DIR: world.runtime.stateDir,
    },
  );

  let started = performance.now();
  let done = 0;
  // Thousands of cards: every card gets its own certificates (serials), but they share two RSA keys, so
  // that setting up does not spend minutes generating keys. The server checks nothing that would differ.
  const [signKey, authKey] = await Promise.all([rsaKeyPair(), rsaKeyPair()]);
  const phones: VirtualPhone[] = await pool(RESIDENTS, SETUP_CONCURRENCY, async () => {
    const card = await issueCard(
      world.pki,
      { address: ADDRESS },
      { sign: { key: signKey }, auth: { key: authKey } },
    );
    const phone = await world.registeredPhone({ address: ADDRESS }, card);
    await phone.activate(world.api, PIN1, PIN2);
    if (++done % 250 === 0) process.stdout.write(`  ${done} residents registered and activated\n`);
    return phone;
  });
  console.log(
    `${RESIDENTS} residents of ${CODE} registered and activated in ${((performance.now() - started) / 1000).toFixed(0)} s (setup, not measured)`,
  );

  await invocations.clear();
  await publishToIngest(sns, env, CODE);

  await invocations.waitFor('notices', 1);
  await invocations.clear();

  const opening = phones.slice(0, Math.round(RESIDENTS * SHARE));
  const latencies: Record<string, number[]> = {
    'POST /v1/sessions/challenges + /v1/sessions': [],
    'GET /v1/me/notices': [],
  };
  let failures = 0;
  console.log(`burst: ${opening.length} residents open the app within ${WINDOW_SECONDS} s…`);
  started = performance.now();
  let firstStart = Number.POSITIVE_INFINITY;
  let lastEnd = 0;
  await Promise.all(
    opening.map(async (phone) => {
      await new Promise((r) => setTimeout(r, Math.random() * WINDOW_SECONDS * 1000));
      const t0 = performance.now();
      firstStart = Math.min(firstStart, t0);
      try {
        await phone.login(world.api, PIN1);
        const t1 = performance.now();
        await world.api.notices(phone.accessToken as string);
        const t2 = performance.now();
        latencies['POST /v1/sessions/challenges + /v1/sessions']?.push(t1 - t0);
        latencies['GET /v1/me/notices']?.push(t2 - t1);
        lastEnd = Math.max(lastEnd, t2);
      } catch {
        failures++;
      }
    }),
  );
  const seconds = (lastEnd - firstStart) / 1000;
  const records = await invocations.all();
  const calls = addTallies(...records.map((r) => r.calls));
  const requests = records.filter((r) => r.function !== 'authorizer').length;

  console.log(
    `\n${opening.length - failures} residents served, ${failures} failed, over ${seconds.toFixed(1)} s`,
  );
  console.log(
    `throughput            ${(requests / seconds).toFixed(1)} requests/s (${requests} function invocations)`,
  );
  for (const [name, values] of Object.entries(latencies)) {
    console.log(
      `${name.padEnd(46)} p50 ${percentile(values, 50).toFixed(0).padStart(5)} ms   p99 ${percentile(values, 99).toFixed(0).padStart(5)} ms`,
    );
  }
  console.log(`\nAWS calls during the burst (per second over ${seconds.toFixed(1)} s; per resident)`);
  for (const [name, n] of Object.entries(calls).sort(([a], [b]) => a.localeCompare(b))) {
    console.log(
      `  ${name.padEnd(32)} ${(n / seconds).toFixed(1).padStart(8)} /s   ${(n / opening.length).toFixed(2).padStart(6)} per resident`,
    );
  }
} finally {
  sns.destroy();
  await world.stop();
}
