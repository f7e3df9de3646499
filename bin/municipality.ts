#!/usr/bin/env -S npx tsx
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ingestTopics, type NoticesConnection } from '../functions/adapters/ingest-topics.ts';
import { noticeStore } from '../functions/adapters/notice-store.ts';
import { NoticeRejectedError } from '../functions/notices/notice.ts';
import { OnboardingError, offboard, onboard, publishNotice } from '../functions/notices/onboarding.ts';
import type { OnboardingPorts } from '../functions/notices/ports.ts';
import { ENV } from '../functions/shared/env.ts';
import { stageConfig } from '../lib/config/stages.ts';
import { readRuntimeRecord } from '../lib/local/runtime.ts';

/**
 * `npm run municipality -- <command>`: onboarding of municipalities for notices (design.md §3.5).
 *
 *   onboard <code> --publisher <principal ARN>   make the ingest topic (only that principal may publish,
 *                                                TLS only, encrypted), subscribe the notices function, record it
 *   offboard <code>                              remove the topic and the record (published notices stay)
 *   list                                         the onboarded municipalities
 *   publish <code> --title T --body B [--category C] [--url https://…]
 *                                                publish a notice as the municipality would
 *
 * `--stage local` (the default) works against `npm start`; another stage uses the AWS credentials of the
 * shell and the outputs of its Xid-<stage>-Notices stack. This file only parses arguments and wires the
 * onboarding use cases (functions/notices/onboarding.ts) to their adapters.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    stage: { type: 'string', default: 'local' },
    publisher: { type: 'string' },
    title: { type: 'string' },
    body: { type: 'string' },
    category: { type: 'string', default: 'administration' },
    url: { type: 'string' },
    id: { type: 'string' },
  },
});
const [command, code] = positionals;

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

/** Where the stage's table and topics are, and how the notices function is reached. */
async function target(): Promise<{ region: string; connection: NoticesConnection }> {
  if (values.stage === 'local') {
    const record = readRuntimeRecord();
    if (!record) fail('npm start is not running (no .xid-local/runtime.json); start it first');
    // The adapters read the stage's resources from the environment, as the functions do.
    Object.assign(process.env, record.environment);
    return {
      region: record.environment.AWS_REGION as string,
      connection: { kind: 'http', url: `${record.apiUrl}/_local/sns/ingest` },
    };
  }
  const { region, stage } = stageConfig(values.stage as string);
  const { Stacks } = await new CloudFormationClient({ region }).send(
    new DescribeStacksCommand({ StackName: `Xid-${stage}-Notices` }),
  );
  const output = (key: string) =>
    Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === key)?.OutputValue ??
    fail(`stack output ${key} missing`);
  Object.assign(process.env, {
    AWS_REGION: region,
    [ENV.stage]: stage,
    [ENV.tableName]: output('TableName'),
    [ENV.topicPrefix]: output('TopicPrefix'),
  });
  return { region, connection: { kind: 'lambda', functionArn: output('NoticesFunctionArn') } };
}

const { region, connection } = await target();
const ports: OnboardingPorts = {
  ...noticeStore(process.env[ENV.tableName] as string),
  ...ingestTopics({ topicPrefix: process.env[ENV.topicPrefix] as string, region, connection }),
  now: () => new Date(),
};

try {
  switch (command) {
    case 'onboard': {
      const record = await onboard(code, values.publisher, ports);
      console.log(
        `${record.prefecture}${record.name} (${record.code}) onboarded.\n  ingest topic ${record.ingestTopicArn}\n  publisher    ${record.publisher}`,
      );
      break;
    }
    case 'offboard': {
      const municipality = await offboard(code, ports);
      console.log(
        `${municipality.name} (${municipality.code}) offboarded; its published notices remain readable.`,
      );
      break;
    }
    case 'list': {
      const records = await ports.municipalities();
      for (const m of records)
        console.log(`${m.code}  ${m.prefecture}${m.name}  ${m.ingestTopicArn}  publisher ${m.publisher}`);
      if (records.length === 0) console.log('no municipality is onboarded');
      break;
    }
    case 'publish': {
      const published = await publishNotice(
        code,
        {
          title: values.title,
          body: values.body,
          category: values.category,
          url: values.url,
          noticeId: values.id,
        },
        ports,
      );
      console.log(
        `published notice ${published.noticeId} to ${published.municipality.name} (message ${published.messageId})`,
      );
      break;
    }
    default:
      fail(
        'usage: npm run municipality -- onboard <code> --publisher <arn> | offboard <code> | list | publish <code> --title … --body …  [--stage local|dev|staging|prod]',
      );
  }
} catch (error) {
  if (error instanceof OnboardingError || error instanceof NoticeRejectedError) fail(error.message);
  throw error;
}
