#!/usr/bin/env -S npx tsx
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ingestTopics, type NoticesConnection } from '../functions/adapters/ingest-topics.ts';
import { noticeStore } from '../functions/adapters/notice-store.ts';
import type { NoticeReceipt } from '../functions/notices/model.ts';
import { NoticeRejectedError } from '../functions/notices/notice.ts';
import {
  latestReceipts,
  listMunicipalities,
  OnboardingError,
  offboard,
  onboard,
  publisherPolicyOf,
  publishNotice,
  setDomains,
} from '../functions/notices/onboarding.ts';
import type { OnboardingPorts } from '../functions/notices/ports.ts';
import { rejectionReason } from '../functions/notices/rejections.ts';
import { ENV } from '../functions/shared/env.ts';
import { resourceName } from '../functions/shared/names.ts';
import { StageConfigError, stageConfig } from '../lib/config/stages.ts';
import { readRuntimeRecord } from '../lib/local/runtime.ts';
import { KEYS } from '../lib/resources.ts';

/**
 * `npm run municipality -- <command>`: municipalities and their notices (design.md §3.5, §3.12), for
 * operators and municipal clerks. This file parses arguments, wires the onboarding use cases
 * (functions/notices/onboarding.ts) to their adapters and prints; every failure is one line, never a stack
 * trace. Exit codes: 0 done; 1 the notice was rejected; 2 a wrong command, option or value; 3 no receipt
 * came in time; 4 AWS (or the local runtime) failed.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const STAGE =
  '  --stage <name>         local (default: the running `npm start`), dev, staging or prod (AWS credentials of the shell)';
const COMMANDS = {
  onboard: {
    options: ['publisher', 'domain'],
    help: `onboard <code> --publisher <role ARN> [--domain <domain> …] [--stage <name>]

  Makes what a municipality needs to publish notices, and records it: its ingest topic (only the
  publisher may publish, TLS only, encrypted with the stage's notices key), its receipts topic (the
  publisher may subscribe), and the notices function's subscription. Running it again with the same
  arguments changes nothing and says so; with another publisher it updates the topic policies.
  The publisher must be an IAM role: an account's :root is refused (the topic policy would let only that
  account's root user publish), and so is a user (long-lived keys).

  <code>                 the 6-digit 全国地方公共団体コード (a designated city's own code, e.g. 141003)
  --publisher <arn>      the IAM role in the municipality's AWS account that will publish
                         (arn:aws:iam::<account>:role/<name>)
  --domain <domain>      a domain its notices may link to (and its subdomains), e.g.
                         city.shinagawa.tokyo.jp; repeatable. None on a first onboard: its notices carry
                         no link; none on a later run keeps the domains recorded.
${STAGE}`,
  },
  domains: {
    options: ['domain'],
    help: `domains <code> [--domain <domain> …] [--stage <name>]

  Replaces the domains the municipality's notices may link to (no --domain: none, its notices carry no
  link). A notice whose url is elsewhere is rejected, with the reason on its receipt.
${STAGE}`,
  },
  offboard: {
    options: [],
    help: `offboard <code> [--stage <name>]

  Removes everything onboarding made: both topics (and their subscriptions), the notices function's
  permission, the record. The notices already published stay readable for residents.
${STAGE}`,
  },
  list: {
    options: [],
    help: `list [--stage <name>]

  Every municipality that has a record or a topic in the stage, and drift: a record without its topics,
  topics without a record, an ingest topic that does not deliver to the notices function.
${STAGE}`,
  },
  publish: {
    options: ['file', 'title', 'body', 'category', 'url', 'id', 'skip-validation', 'wait'],
    help: `publish <code> (--file <notice.json> | --title <text> --body <text> [--category <c>] [--url <https://…>] [--id <uuid>])
        [--skip-validation] [--wait <seconds>] [--stage <name>]

  Publishes a notice to the municipality's ingest topic as its publisher would, and waits for its receipt.
  The notice is checked first with the rules the notices function applies; a notice that fails them is
  not published (exit 1) and the reasons are printed in Japanese and English.

  --file <path>          the whole message (docs/schemas/notice.schema.json, examples in docs/examples/)
  --title, --body        or its parts; --category (default administration), --url, --id (default a new UUID)
  --skip-validation      publish even a notice that fails the check (to see its \`rejected\` receipt)
  --wait <seconds>       how long to wait for the receipt (default 30; 0: do not wait)
${STAGE}`,
  },
  policy: {
    options: [],
    help: `policy <code> [--stage <name>]

  Prints the IAM policy the municipality attaches, in its own AWS account, to its publisher role: publish
  to its ingest topic, use the stage's notices key through SNS, subscribe to its receipts topic. Send it
  with docs/municipalities.ja.md.
${STAGE}`,
  },
  receipts: {
    options: ['limit', 'json'],
    help: `receipts <code> [--limit <n>] [--json] [--stage <name>]

  The latest receipts of the municipality's messages, newest first: accepted, duplicate or rejected (with
  what to correct). Receipts are kept 90 days.

  --limit <n>            how many (default 10, at most 100)
  --json                 one receipt per line, as published on the receipts topic
${STAGE}`,
  },
} as const;
type Command = keyof typeof COMMANDS;

const USAGE = `usage: npm run municipality -- <command> [options]

commands:
  onboard <code> --publisher <arn>     make a municipality's topics and record (idempotent)
  domains <code> --domain <domain>     replace the domains its notices may link to
  offboard <code>                      remove everything onboarding made
  list                                 the onboarded municipalities, and drift
  publish <code> --file <notice.json>  publish a notice as the municipality would, and wait for its receipt
  receipts <code>                      the latest receipts
  policy <code>                        the IAM policy for the municipality's own publisher role

  npm run municipality -- <command> --help     the options of a command
Every command takes --stage local|dev|staging|prod (default local: the running \`npm start\`).`;

class UsageError extends Error {}

const EXIT = { done: 0, rejected: 1, usage: 2, noReceipt: 3, failed: 4 } as const;

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see --help)`);
  }
  const { values, positionals } = parsed;
  const [name, code, ...extra] = positionals;
  if (!name || name === 'help') {
    const topic = code as Command | undefined;
    console.log(topic && topic in COMMANDS ? `npm run municipality -- ${COMMANDS[topic].help}` : USAGE);
    return name || values.help ? EXIT.done : EXIT.usage;
  }
  if (!(name in COMMANDS))
    throw new UsageError(`unknown command "${name}"; one of ${Object.keys(COMMANDS).join(', ')}`);
  const command = COMMANDS[name as Command];
  if (values.help) {
    console.log(`npm run municipality -- ${command.help}`);
    return EXIT.done;
  }
  const given = Object.keys(values).filter((key) => key !== 'stage' && key !== 'help');
  const foreign = given.filter((key) => !(command.options as readonly string[]).includes(key));
  if (foreign.length)
    throw new UsageError(`${name} does not take --${foreign.join(', --')} (see ${name} --help)`);
  if (extra.length || (name === 'list' && code))
    throw new UsageError(`unexpected "${[code, ...extra].filter(Boolean).join(' ')}"`);

  const { ports, region } = await portsFor(values.stage);
  switch (name as Command) {
    case 'onboard': {
      const { record, changes } = await onboard(code, values.publisher, ports, values.domain);
      const who = `${record.prefecture}${record.name} (${record.code})`;
      console.log(
        changes.length
          ? `${who} onboarded:\n${changes.map((c) => `  ${c}`).join('\n')}`
          : `${who} is already onboarded as asked: nothing changed, nothing created.`,
      );
      console.log(
        `  ingest topic    ${record.ingestTopicArn}\n  receipts topic  ${record.receiptsTopicArn}\n  publisher       ${record.publisher}\n  link domains    ${record.domains?.join(', ') || '(none: notices carry no link)'}`,
      );
      return EXIT.done;
    }
    case 'domains': {
      const record = await setDomains(code, values.domain ?? [], ports);
      console.log(
        `${record.prefecture}${record.name} (${record.code}) link domains: ${record.domains?.join(', ') || '(none: notices carry no link)'}`,
      );
      return EXIT.done;
    }
    case 'offboard': {
      const { municipality, removed } = await offboard(code, ports);
      const who = `${municipality.prefecture}${municipality.name} (${municipality.code})`;
      console.log(
        removed.length
          ? `${who} offboarded: removed ${removed.join(', ')}. Its published notices remain readable.`
          : `${who} was not onboarded: nothing to remove.`,
      );
      return EXIT.done;
    }
    case 'list': {
      const states = await listMunicipalities(ports);
      if (states.length === 0) console.log('no municipality is onboarded');
      for (const s of states) {
        const status = s.drift.length ? `DRIFT: ${s.drift.join('; ')}` : 'ok';
        const recorded = s.record
          ? `  publisher ${s.record.publisher}  domains ${s.record.domains?.join(',') || '-'}`
          : '';
        console.log(`${s.code}  ${s.name}  ${status}${recorded}`);
      }
      const drifting = states.filter((s) => s.drift.length).length;
      if (drifting) console.log(`${drifting} with drift: run onboard (or offboard) for them again`);
      return EXIT.done;
    }
    case 'publish': {
      const wait = Number(values.wait ?? 30);
      if (!Number.isFinite(wait) || wait < 0 || wait > 600)
        throw new UsageError('--wait is 0 to 600 seconds');
      if (values.file && (values.title || values.body))
        throw new UsageError('give --file or --title/--body, not both');
      let message: string | undefined;
      if (values.file) {
        try {
          message = readFileSync(values.file, 'utf8');
        } catch (error) {
          throw new UsageError(
            `cannot read ${values.file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
          );
        }
      }
      const published = await publishNotice(
        code,
        {
          message,
          title: values.title,
          body: values.body,
          category: values.category,
          url: values.url,
          noticeId: values.id,
        },
        ports,
        { validate: !values['skip-validation'], waitMs: wait * 1000 },
      );
      console.log(
        `published message ${published.messageId} to ${published.municipality.name} (${published.municipality.code})`,
      );
      if (wait === 0) return EXIT.done;
      if (!published.receipt) {
        console.error(
          `no receipt within ${wait} s; see it later with: npm run municipality -- receipts ${published.municipality.code}`,
        );
        return EXIT.noReceipt;
      }
      printReceipt(published.receipt);
      return published.receipt.status === 'rejected' ? EXIT.rejected : EXIT.done;
    }
    case 'policy': {
      const { policy } = await publisherPolicyOf(code, region, ports);
      console.log(JSON.stringify(policy, null, 2));
      return EXIT.done;
    }
    case 'receipts': {
      const { municipality, receipts } = await latestReceipts(code, Number(values.limit ?? 10), ports);
      if (values.json) for (const r of receipts) console.log(JSON.stringify(r));
      else {
        if (receipts.length === 0) console.log(`no receipts for ${municipality.name} (${municipality.code})`);
        for (const r of receipts) printReceipt(r);
      }
      return EXIT.done;
    }
  }
  return EXIT.usage;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      stage: { type: 'string', default: 'local' },
      help: { type: 'boolean', short: 'h' },
      publisher: { type: 'string' },
      domain: { type: 'string', multiple: true },
      file: { type: 'string' },
      title: { type: 'string' },
      body: { type: 'string' },
      category: { type: 'string' },
      url: { type: 'string' },
      id: { type: 'string' },
      'skip-validation': { type: 'boolean' },
      wait: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
}

function printReceipt(receipt: NoticeReceipt): void {
  console.log(
    `${receipt.at}  ${receipt.status}  notice ${receipt.noticeId ?? '(none)'}  message ${receipt.messageId}`,
  );
  if (receipt.reason) console.log(`  ${receipt.reason.ja}\n  ${receipt.reason.en}`);
  for (const e of receipt.errors ?? []) console.log(`  - ${e.field}: ${e.ja}\n    ${e.en}`);
}

/** The ports of a stage: the running local runtime, or a deployed stage's Notices stack outputs. */
async function portsFor(stageName: string): Promise<{ ports: OnboardingPorts; region: string }> {
  let connection: NoticesConnection;
  let region: string;
  let stage: string;
  if (stageName === 'local') {
    const record = readRuntimeRecord();
    if (!record)
      throw new UsageError('npm start is not running (no .xid-local/runtime.json); start it first');
    // The adapters read the stage's resources from the environment, as the functions do.
    Object.assign(process.env, record.environment);
    region = record.environment.AWS_REGION as string;
    stage = 'local';
    connection = { kind: 'http', url: record.snsIngestUrl };
  } else {
    try {
      ({ region, stage } = stageConfig(stageName));
    } catch (error) {
      if (error instanceof StageConfigError) throw new UsageError(error.message);
      throw error;
    }
    const { Stacks } = await new CloudFormationClient({ region }).send(
      new DescribeStacksCommand({ StackName: `Xid-${stage}-Notices` }),
    );
    const output = (key: string) => {
      const value = Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;
      if (!value)
        throw new UsageError(`the Xid-${stage}-Notices stack has no output ${key}; deploy it first`);
      return value;
    };
    Object.assign(process.env, {
      AWS_REGION: region,
      [ENV.stage]: stage,
      [ENV.tableName]: output('TableName'),
      [ENV.topicPrefix]: output('TopicPrefix'),
    });
    connection = { kind: 'lambda', functionArn: output('NoticesFunctionArn') };
  }
  const ports: OnboardingPorts = {
    ...noticeStore(process.env[ENV.tableName] as string),
    ...ingestTopics({
      topicPrefix: process.env[ENV.topicPrefix] as string,
      region,
      connection,
      noticesKey: `alias/${resourceName(stage, KEYS.notices.alias)}`,
    }),
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
  return { ports, region };
}

/** One line for any failure; the SDK's own errors by their name and message, never a stack trace. */
function report(error: unknown): number {
  if (error instanceof NoticeRejectedError) {
    const reason = rejectionReason(error.rejections);
    console.error(`not published: the notice would be rejected.\n  ${reason.ja}\n  ${reason.en}`);
    for (const r of error.rejections) console.error(`  - ${r.field}: ${r.ja}\n    ${r.en}`);
    return EXIT.rejected;
  }
  if (error instanceof UsageError || error instanceof OnboardingError) {
    console.error(`error: ${error.message}`);
    return EXIT.usage;
  }
  const e = error as { name?: string; message?: string };
  const text = `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message ?? String(error)}`;
  console.error(`error: ${text.split('\n')[0]}`);
  return EXIT.failed;
}

process.exit(await main(process.argv.slice(2)).catch(report));
