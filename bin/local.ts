#!/usr/bin/env -S npx tsx
import { ANDROID_EMULATOR_HOST, isLoopback } from '../lib/local/hosts.ts';
import { startLocalRuntime } from '../lib/local/runtime.ts';
import { localStateDir } from '../lib/paths.ts';

/**
 * `npm start`: the whole backend on this machine. Stops every child process on Ctrl-C or SIGTERM.
 * Ports: XID_PORT (API, default 3000), XID_MAIL_PORT (mailbox, default 8005), XID_MOTO_PORT (default free).
 * XID_HOST: the address the API listens on (default 127.0.0.1; e.g. 0.0.0.0 for a phone on the network).
 */
// The SDK versions are pinned in package.json to releases that run on Node 20; their notice that later
// releases will need Node 22 is not news here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const log = (line: string) => console.log(`[xid] ${line}`);

async function main(): Promise<void> {
  let stopping = false;
  const runtime = await startLocalRuntime({
    log,
    onServiceExit: (name, how) => {
      if (stopping) return;
      stopping = true;
      console.error(
        `[xid] ${name} exited unexpectedly (${how}); see ${localStateDir()}/logs/${name}.log. Stopping: start again with npm start.`,
      );
      void runtime.stop().finally(() => process.exit(3));
    },
  });
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    await runtime.stop();
    log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => void stop('SIGHUP'));
  // npm does not pass SIGTERM on to its script: when the parent goes away, so does the runtime.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop('parent exited');
  }, 500).unref();

  const port = new URL(runtime.apiUrl).port;
  const phones = isLoopback(runtime.host)
    ? []
    : [...runtime.answeredHosts]
        .filter(
          (name) => /^\d+\.\d+\.\d+\.\d+$/.test(name) && !isLoopback(name) && name !== ANDROID_EMULATOR_HOST,
        )
        .map(
          (name) =>
            `  Phones     http://${name}:${port}        (XID_HOST=${runtime.host}: reachable from the network)`,
        );
  console.log(
    [
      '',
      '  xID backend, local stage',
      `  API        ${runtime.apiUrl}        try: curl ${runtime.apiUrl}/v1/health`,
      ...phones,
      `  Mailbox    ${runtime.mailboxUrl}        mails sent through SES land here`,
      `  AWS        ${runtime.awsEndpoint}        moto: DynamoDB, KMS, SNS (in memory)`,
      `  State      ${localStateDir()}        npm run reset wipes it`,
      '',
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  log(`ready ${runtime.apiUrl}`);
}

main().catch((error) => {
  console.error(`[xid] could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
