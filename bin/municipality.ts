#!/usr/bin/env -S npx tsx
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  KMSClient,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { AddPermissionCommand, LambdaClient, RemovePermissionCommand } from '@aws-sdk/client-lambda';
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  ListSubscriptionsByTopicCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { KEYS } from '../functions/adapters/table-keys.ts';
import { allEntries } from '../functions/municipality/municipalities.ts';
import { ingestKeyPolicy, ingestTopicPolicy } from '../functions/notices/topic-policy.ts';
import { ingestTopicName } from '../functions/notices/topics.ts';
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
 * shell and the outputs of its Xid-<stage>-Notices stack.
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

interface Target {
  sns: SNSClient;
  kms: KMSClient;
  region: string;
  documents: DynamoDBDocumentClient;
  tableName: string;
  topicPrefix: string;
  account: string;
  /** How the ingest topic reaches the notices function. */
  subscribe(topicArn: string): Promise<void>;
  unsubscribe(topicArn: string): Promise<void>;
}

async function target(): Promise<Target> {
  if (values.stage === 'local') {
    const record = readRuntimeRecord();
    if (!record) fail('npm start is not running (no .xid-local/runtime.json); start it first');
    const env = record.environment;
    const client = {
      endpoint: env[ENV.localAwsEndpoint],
      region: env.AWS_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    };
    const sns = new SNSClient(client);
    const endpoint = `${record.apiUrl}/_local/sns/ingest`;
    return {
      sns,
      kms: new KMSClient(client),
      region: env.AWS_REGION as string,
      documents: DynamoDBDocumentClient.from(new DynamoDBClient(client)),
      tableName: env[ENV.tableName] as string,
      topicPrefix: env[ENV.topicPrefix] as string,
      account: (env[ENV.topicPrefix] as string).split(':')[4] as string,
      subscribe: async (TopicArn) => {
        await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: endpoint }));
      },
      unsubscribe: async () => undefined,
    };
  }
  const config = stageConfig(values.stage as string);
  const region = config.region;
  const { Stacks } = await new CloudFormationClient({ region }).send(
    new DescribeStacksCommand({ StackName: `Xid-${config.stage}-Notices` }),
  );
  const output = (key: string) =>
    Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === key)?.OutputValue ??
    fail(`stack output ${key} missing`);
  const functionArn = output('NoticesFunctionArn');
  const sns = new SNSClient({ region });
  const lambda = new LambdaClient({ region });
  const kms = new KMSClient({ region });
  const statementId = (topicArn: string) => `ingest-${topicArn.split(':').at(-1)}`;
  return {
    sns,
    kms,
    region,
    documents: DynamoDBDocumentClient.from(new DynamoDBClient({ region })),
    tableName: output('TableName'),
    topicPrefix: output('TopicPrefix'),
    account: functionArn.split(':')[4] as string,
    subscribe: async (TopicArn) => {
      await lambda.send(
        new AddPermissionCommand({
          FunctionName: functionArn,
          StatementId: statementId(TopicArn),
          Action: 'lambda:InvokeFunction',
          Principal: 'sns.amazonaws.com',
          SourceArn: TopicArn,
        }),
      );
      await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'lambda', Endpoint: functionArn }));
    },
    unsubscribe: async (TopicArn) => {
      await lambda
        .send(new RemovePermissionCommand({ FunctionName: functionArn, StatementId: statementId(TopicArn) }))
        .catch(() => undefined);
    },
  };
}

function municipalityOfCode(value: string | undefined) {
  if (!value || !/^\d{6}$/.test(value)) fail('give the 6-digit 全国地方公共団体コード, e.g. 131091');
  const found = allEntries().find((e) => e.municipality.code === value)?.municipality;
  return (
    found ?? fail(`${value} is not a municipality code (designated cities: the city's code, e.g. 141003)`)
  );
}

const t = await target();
const topicArnOf = (c: string) =>
  `${t.topicPrefix.split(':').slice(0, -1).join(':')}:${ingestTopicName(t.topicPrefix, c)}`;

switch (command) {
  case 'onboard': {
    const municipality = municipalityOfCode(code);
    if (!values.publisher || !/^arn:aws:iam::\d{12}:(root|role\/.+|user\/.+)$/.test(values.publisher)) {
      fail('--publisher must be the IAM principal ARN of the municipality (arn:aws:iam::<account>:role/…)');
    }
    const name = ingestTopicName(t.topicPrefix, municipality.code);
    // The topic's own key: a publisher in another account needs a key policy that names it.
    const { KeyMetadata } = await t.kms.send(
      new CreateKeyCommand({
        Description: `xID notices ingest topic of ${municipality.code} ${municipality.name}`,
        Policy: JSON.stringify(ingestKeyPolicy(t.account, values.publisher, t.region)),
        Tags: [{ TagKey: 'municipality', TagValue: municipality.code }],
      }),
    );
    if (!KeyMetadata?.KeyId || !KeyMetadata.Arn) fail('KMS returned no key');
    await t.kms.send(new CreateAliasCommand({ AliasName: `alias/${name}`, TargetKeyId: KeyMetadata.KeyId }));
    const { TopicArn } = await t.sns.send(
      new CreateTopicCommand({
        Name: name,
        Attributes: {
          Policy: JSON.stringify(
            ingestTopicPolicy(topicArnOf(municipality.code), values.publisher, t.account),
          ),
          KmsMasterKeyId: KeyMetadata.Arn,
        },
        Tags: [{ Key: 'municipality', Value: municipality.code }],
      }),
    );
    if (!TopicArn) fail('SNS returned no topic');
    await t.subscribe(TopicArn);
    await t.documents.send(
      new PutCommand({
        TableName: t.tableName,
        Item: {
          ...KEYS.municipality(municipality.code),
          code: municipality.code,
          name: municipality.name,
          prefecture: municipality.prefecture,
          ingestTopicArn: TopicArn,
          publisher: values.publisher,
          onboardedAt: new Date().toISOString(),
        },
      }),
    );
    console.log(
      `${municipality.prefecture}${municipality.name} (${municipality.code}) onboarded.\n  ingest topic ${TopicArn}\n  publisher    ${values.publisher}`,
    );
    break;
  }
  case 'offboard': {
    const municipality = municipalityOfCode(code);
    const TopicArn = topicArnOf(municipality.code);
    const { Subscriptions } = await t.sns
      .send(new ListSubscriptionsByTopicCommand({ TopicArn }))
      .catch(() => ({ Subscriptions: [] }));
    for (const s of Subscriptions ?? [])
      if (s.SubscriptionArn) await t.sns.send(new UnsubscribeCommand({ SubscriptionArn: s.SubscriptionArn }));
    await t.unsubscribe(TopicArn);
    await t.sns.send(new DeleteTopicCommand({ TopicArn }));
    const alias = `alias/${ingestTopicName(t.topicPrefix, municipality.code)}`;
    const key = await t.kms.send(new DescribeKeyCommand({ KeyId: alias })).catch(() => undefined);
    if (key?.KeyMetadata?.KeyId) {
      await t.kms.send(new DeleteAliasCommand({ AliasName: alias }));
      await t.kms.send(
        new ScheduleKeyDeletionCommand({ KeyId: key.KeyMetadata.KeyId, PendingWindowInDays: 30 }),
      );
    }
    await t.documents.send(
      new DeleteCommand({ TableName: t.tableName, Key: KEYS.municipality(municipality.code) }),
    );
    console.log(
      `${municipality.name} (${municipality.code}) offboarded; its published notices remain readable.`,
    );
    break;
  }
  case 'list': {
    const { Items } = await t.documents.send(
      new ScanCommand({
        TableName: t.tableName,
        FilterExpression: 'begins_with(pk, :p)',
        ExpressionAttributeValues: { ':p': 'MUNICIPALITY#' },
      }),
    );
    for (const m of Items ?? [])
      console.log(`${m.code}  ${m.prefecture}${m.name}  ${m.ingestTopicArn}  publisher ${m.publisher}`);
    if (!Items?.length) console.log('no municipality is onboarded');
    break;
  }
  case 'publish': {
    const municipality = municipalityOfCode(code);
    if (!values.title || !values.body) fail('--title and --body are required');
    const notice = {
      schema: 'xid/notice/v1',
      noticeId: values.id ?? randomUUID(),
      title: values.title,
      body: values.body,
      category: values.category,
      ...(values.url ? { url: values.url } : {}),
      publishedAt: new Date().toISOString(),
    };
    const { MessageId } = await t.sns.send(
      new PublishCommand({ TopicArn: topicArnOf(municipality.code), Message: JSON.stringify(notice) }),
    );
    console.log(`published notice ${notice.noticeId} to ${municipality.name} (message ${MessageId})`);
    break;
  }
  default:
    fail(
      'usage: npm run municipality -- onboard <code> --publisher <arn> | offboard <code> | list | publish <code> --title … --body …  [--stage local|dev|staging|prod]',
    );
}
