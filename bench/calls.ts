import { SNSClient } from '@aws-sdk/client-sns';
import type { CallTally } from '../functions/shared/aws-calls.ts';
import { ENV } from '../functions/shared/env.ts';
import { LOCAL_CREDENTIALS } from '../functions/shared/names.ts';
import { runCommand } from '../lib/local/commands.ts';
import { PIN1, PIN2, startWorld } from '../test/e2e/world.ts';
import { LocalInvocations, publishToIngest } from '../test/harness/aws-calls.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const json = process.argv.includes('--json');
const log = (line: string) => {
  if (!json) console.error(line);
};

/** The function behind each operation. */
const OPERATIONS = {
  register: 'postRegistration',
  activate: 'postActivation',
  login: 'postSession',
  me: 'getMe',
  notices: 'getNotices',
  notice_received: 'notices',
  authorizer: 'authorizer',
} as const;
type Operation = keyof typeof OPERATIONS;
const ADDRESS = '東京都品川区広町2-1-36';
const CODE = '131091';

log('starting the local runtime…');
const world = await startWorld(async () => ({ XID_ISOLATE: Object.values(OPERATIONS).join(',') }));
const invocations = new LocalInvocations(world.runtime.apiUrl);
const env = world.runtime.record.environment;
const sns = new SNSClient({
  endpoint: env[ENV.localAwsEndpoint],
  region: env.AWS_REGION,
  credentials: LOCAL_CREDENTIALS,
});
const result = {} as Record<Operation, { warm: CallTally; cold: CallTally }>;

try {
  await runCommand(
    'bin/municipality.ts',
    ['onboard', CODE, '--publisher', 'arn:aws:iam::210987654321:role/bench-notices'],
    { ...process.env, XID_LOCAL_DIR: world.runtime.stateDir },
  );

  /** Runs `twice` with fresh containers and records the first (cold) and second (warm) invocation. */
  const measure = async (operation: Operation, twice: (step: 0 | 1) => Promise<void>) => {
    await invocations.recycle();
    await invocations.clear();
    await twice(0);
    await twice(1);
    const [cold, warm] = await invocations.waitFor(OPERATIONS[operation], 2);
    if (!cold?.cold || warm?.cold !== false)
      throw new Error(`${operation}: expected a cold then a warm start`);
    result[operation] = { warm: warm.calls, cold: cold.calls };
    log(`measured ${operation}`);
  };

  const card = () => world.registeredPhone({ address: ADDRESS });
  const registered = [await card(), await card()];
  await measure('register', async () => {
    await card();
  });
  await measure('activate', async (step) => {
    await registered[step]?.activate(world.api, PIN1, PIN2);
  });
  const phones = registered;
  await measure('login', async (step) => {
    await phones[step]?.login(world.api, PIN1);
  });
  // A token the gateway's authorizer cache has not seen: a fresh login each time.
  await measure('authorizer', async (step) => {
    const token = (await phones[step]?.login(world.api, PIN1))?.accessToken as string;
    await world.api.me(token);
  });
  // Warm means the same resident again: the data key of an account is unwrapped once per container.
  await measure('me', async () => {
    await world.api.me(phones[0]?.accessToken as string);
  });
  await measure('notices', async () => {
    await world.api.notices(phones[0]?.accessToken as string);
  });
  await measure('notice_received', async () => {
    await publishToIngest(sns, env, CODE);
  });
} finally {
  sns.destroy();
  await world.stop();
}

if (json) {
  console.log(JSON.stringify(result));
} else {
  const show = (calls: CallTally) =>
    Object.entries(calls)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, n]) => `${name} ×${n}`)
      .join(', ') || '(none)';
  console.log('\nAWS calls per operation (local runtime, each function in its own container)\n');
  for (const [operation, { cold, warm }] of Object.entries(result)) {
    console.log(`${operation}`);
    console.log(`  cold  ${show(cold)}`);
    console.log(`  warm  ${show(warm)}`);
  }
}
