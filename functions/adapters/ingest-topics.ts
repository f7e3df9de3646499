import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  NotFoundException,
  PublishCommand,
  SetTopicAttributesCommand,
  SubscribeCommand,
  type Subscription,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import type { Change, MunicipalityTopic, OnboardingPorts } from '../notices/ports.ts';
import { municipalityTopicPolicy } from '../notices/topic-policy.ts';
import { sdkKms as kms, sdkSns as sns } from '../shared/clients.ts';
import { canonicalize } from '../shared/jcs.ts';
import { accountOfArn, municipalityOfTopic, topicArn, topicName } from '../shared/names.ts';

/**
 * SNS, KMS and Lambda side of onboarding: a municipality's ingest and receipts topics, encrypted with the
 * stage's one notices key (its key policy lets publishers use it through SNS for the stage's ingest topics
 * only: `lib/stacks/stateful-stack.ts`), and the connection of the ingest topic to the notices function. In
 * AWS the notices function is subscribed (with the Lambda permission SNS needs); in the local runtime the
 * topic delivers over HTTP to the runtime's own ingest endpoint. Every step looks before it writes, so that
 * running it again changes nothing.
 */
export type NoticesConnection = { kind: 'lambda'; functionArn: string } | { kind: 'http'; url: string };

type TopicPorts = Pick<
  OnboardingPorts,
  | 'ensureTopic'
  | 'deleteTopic'
  | 'topicArnOf'
  | 'noticesKeyArn'
  | 'topicCodes'
  | 'connectNoticesFunction'
  | 'noticesFunctionConnected'
  | 'disconnectNoticesFunction'
  | 'publishToIngest'
>;

export function ingestTopics(options: {
  topicPrefix: string;
  region: string;
  connection: NoticesConnection;
  /** The stage's notices key, by alias (`alias/xid-<stage>-notices`). */
  noticesKey: string;
}): TopicPorts {
  const { topicPrefix, region, connection } = options;
  const account = accountOfArn(topicPrefix);
  const statementId = (code: string) => `ingest-${topicName(topicPrefix, 'ingest', code)}`;
  const lambda = async () => {
    const module = await import('@aws-sdk/client-lambda');
    return { module, client: new module.LambdaClient({ region }) };
  };
  let keyArn: Promise<string> | undefined;
  const noticesKeyArn = () => {
    keyArn ??= kms()
      .send(new DescribeKeyCommand({ KeyId: options.noticesKey }))
      .then(({ KeyMetadata }) => {
        if (!KeyMetadata?.Arn) throw new Error(`KMS knows no key ${options.noticesKey}`);
        return KeyMetadata.Arn;
      });
    return keyArn;
  };
  const attributesOf = async (TopicArn: string) => {
    try {
      return (await sns().send(new GetTopicAttributesCommand({ TopicArn }))).Attributes ?? {};
    } catch (error) {
      if (error instanceof NotFoundException || (error as Error).name === 'NotFound') return undefined;
      throw error;
    }
  };
  const subscriptionsOf = async (TopicArn: string): Promise<Subscription[]> => {
    const all: Subscription[] = [];
    let NextToken: string | undefined;
    do {
      const page = await sns().send(new ListSubscriptionsByTopicCommand({ TopicArn, NextToken }));
      all.push(...(page.Subscriptions ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    return all;
  };
  const endpoint = connection.kind === 'http' ? connection.url : connection.functionArn;
  const isConnection = (s: Subscription) =>
    s.Endpoint === endpoint && s.Protocol === (connection.kind === 'http' ? 'http' : 'lambda');

  return {
    topicArnOf: (kind, code) => topicArn(topicPrefix, kind, code),
    noticesKeyArn,

    async ensureTopic(kind: MunicipalityTopic, municipality, publisher) {
      const arn = topicArn(topicPrefix, kind, municipality.code);
      const policy = JSON.stringify(municipalityTopicPolicy(kind, arn, publisher, account));
      const KmsMasterKeyId = await noticesKeyArn();
      const existing = await attributesOf(arn);
      if (!existing) {
        const { TopicArn } = await sns().send(
          new CreateTopicCommand({
            Name: topicName(topicPrefix, kind, municipality.code),
            Attributes: { Policy: policy, KmsMasterKeyId },
            Tags: [{ Key: 'municipality', Value: municipality.code }],
          }),
        );
        if (TopicArn !== arn) throw new Error(`SNS made ${TopicArn}, not ${arn}`);
        return { arn, change: 'created' as Change };
      }
      let change: Change = 'unchanged';
      if (
        !existing.Policy ||
        canonicalize(JSON.parse(existing.Policy)) !== canonicalize(JSON.parse(policy))
      ) {
        await sns().send(
          new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: 'Policy', AttributeValue: policy }),
        );
        change = 'updated';
      }
      if (existing.KmsMasterKeyId !== KmsMasterKeyId) {
        await sns().send(
          new SetTopicAttributesCommand({
            TopicArn: arn,
            AttributeName: 'KmsMasterKeyId',
            AttributeValue: KmsMasterKeyId,
          }),
        );
        change = 'updated';
      }
      return { arn, change };
    },

    async deleteTopic(kind, code) {
      const TopicArn = topicArn(topicPrefix, kind, code);
      if (!(await attributesOf(TopicArn))) return false;
      for (const s of await subscriptionsOf(TopicArn)) {
        if (s.SubscriptionArn?.startsWith('arn:'))
          await sns().send(new UnsubscribeCommand({ SubscriptionArn: s.SubscriptionArn }));
      }
      await sns().send(new DeleteTopicCommand({ TopicArn }));
      return true;
    },

    async topicCodes(kind) {
      const codes: string[] = [];
      let NextToken: string | undefined;
      do {
        const page = await sns().send(new ListTopicsCommand({ NextToken }));
        for (const { TopicArn } of page.Topics ?? []) {
          const code = TopicArn ? municipalityOfTopic(topicPrefix, kind, TopicArn) : undefined;
          if (code) codes.push(code);
        }
        NextToken = page.NextToken;
      } while (NextToken);
      return codes.sort();
    },

    async connectNoticesFunction(code) {
      const TopicArn = topicArn(topicPrefix, 'ingest', code);
      let change: Change = 'unchanged';
      if (connection.kind === 'lambda') {
        const { module, client } = await lambda();
        try {
          await client.send(
            new module.AddPermissionCommand({
              FunctionName: connection.functionArn,
              StatementId: statementId(code),
              Action: 'lambda:InvokeFunction',
              Principal: 'sns.amazonaws.com',
              SourceArn: TopicArn,
            }),
          );
          change = 'updated';
        } catch (error) {
          if (!(error instanceof module.ResourceConflictException)) throw error;
        }
      }
      if (!(await subscriptionsOf(TopicArn)).some(isConnection)) {
        await sns().send(
          new SubscribeCommand({
            TopicArn,
            Protocol: connection.kind === 'http' ? 'http' : 'lambda',
            Endpoint: endpoint,
          }),
        );
        change = 'created';
      }
      return change;
    },

    async noticesFunctionConnected(code) {
      return (await subscriptionsOf(topicArn(topicPrefix, 'ingest', code))).some(isConnection);
    },

    async disconnectNoticesFunction(code) {
      if (connection.kind === 'http') return false;
      const { module, client } = await lambda();
      try {
        await client.send(
          new module.RemovePermissionCommand({
            FunctionName: connection.functionArn,
            StatementId: statementId(code),
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof module.ResourceNotFoundException) return false;
        throw error;
      }
    },

    async publishToIngest(code, message) {
      const { MessageId } = await sns().send(
        new PublishCommand({ TopicArn: topicArn(topicPrefix, 'ingest', code), Message: message }),
      );
      if (!MessageId) throw new Error('SNS returned no message id');
      return MessageId;
    },
  } satisfies TopicPorts;
}
