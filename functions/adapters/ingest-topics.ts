import {
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  NotFoundException as KmsNotFoundException,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  ListSubscriptionsByTopicCommand,
  NotFoundException,
  PublishCommand,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import type { OnboardingPorts } from '../notices/ports.ts';
import { ingestKeyPolicy, ingestTopicPolicy } from '../notices/topic-policy.ts';
import { kms, sns } from '../shared/clients.ts';
import { accountOfArn, topicArn, topicName } from '../shared/names.ts';

/**
 * SNS, KMS and Lambda side of onboarding: a municipality's ingest topic, its key, and the connection to
 * the notices function. In AWS the notices function is subscribed (with the Lambda permission SNS needs);
 * in the local runtime the topic delivers over HTTP to the runtime's own ingest endpoint.
 */
export type NoticesConnection = { kind: 'lambda'; functionArn: string } | { kind: 'http'; url: string };

export function ingestTopics(options: {
  topicPrefix: string;
  region: string;
  connection: NoticesConnection;
}): Pick<
  OnboardingPorts,
  | 'createIngestKey'
  | 'deleteIngestKey'
  | 'createIngestTopic'
  | 'deleteIngestTopic'
  | 'connectNoticesFunction'
  | 'disconnectNoticesFunction'
  | 'publishToIngest'
> {
  const { topicPrefix, region, connection } = options;
  const account = accountOfArn(topicPrefix);
  const alias = (code: string) => `alias/${topicName(topicPrefix, 'ingest', code)}`;
  const statementId = (arn: string) => `ingest-${arn.split(':').at(-1)}`;
  const lambda = async () => {
    const module = await import('@aws-sdk/client-lambda');
    return { module, client: new module.LambdaClient({ region }) };
  };

  return {
    async createIngestKey(municipality, publisher) {
      const { KeyMetadata } = await kms().send(
        new CreateKeyCommand({
          Description: `xID notices ingest topic of ${municipality.code} ${municipality.name}`,
          Policy: JSON.stringify(ingestKeyPolicy(account, publisher, region)),
          Tags: [{ TagKey: 'municipality', TagValue: municipality.code }],
        }),
      );
      if (!KeyMetadata?.KeyId || !KeyMetadata.Arn) throw new Error('KMS returned no key');
      await kms().send(
        new CreateAliasCommand({ AliasName: alias(municipality.code), TargetKeyId: KeyMetadata.KeyId }),
      );
      return KeyMetadata.Arn;
    },

    async deleteIngestKey(code) {
      let keyId: string | undefined;
      try {
        keyId = (await kms().send(new DescribeKeyCommand({ KeyId: alias(code) }))).KeyMetadata?.KeyId;
      } catch (error) {
        if (error instanceof KmsNotFoundException) return;
        throw error;
      }
      await kms().send(new DeleteAliasCommand({ AliasName: alias(code) }));
      if (keyId) await kms().send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 30 }));
    },

    async createIngestTopic(municipality, publisher, keyArn) {
      const arn = topicArn(topicPrefix, 'ingest', municipality.code);
      const { TopicArn } = await sns().send(
        new CreateTopicCommand({
          Name: topicName(topicPrefix, 'ingest', municipality.code),
          Attributes: {
            Policy: JSON.stringify(ingestTopicPolicy(arn, publisher, account)),
            KmsMasterKeyId: keyArn,
          },
          Tags: [{ Key: 'municipality', Value: municipality.code }],
        }),
      );
      if (!TopicArn) throw new Error('SNS returned no topic');
      return TopicArn;
    },

    async deleteIngestTopic(code) {
      const TopicArn = topicArn(topicPrefix, 'ingest', code);
      try {
        const { Subscriptions } = await sns().send(new ListSubscriptionsByTopicCommand({ TopicArn }));
        for (const s of Subscriptions ?? []) {
          if (s.SubscriptionArn?.startsWith('arn:'))
            await sns().send(new UnsubscribeCommand({ SubscriptionArn: s.SubscriptionArn }));
        }
      } catch (error) {
        if (!(error instanceof NotFoundException)) throw error;
      }
      await sns().send(new DeleteTopicCommand({ TopicArn }));
    },

    async connectNoticesFunction(TopicArn) {
      if (connection.kind === 'http') {
        await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: connection.url }));
        return;
      }
      const { module, client } = await lambda();
      await client.send(
        new module.AddPermissionCommand({
          FunctionName: connection.functionArn,
          StatementId: statementId(TopicArn),
          Action: 'lambda:InvokeFunction',
          Principal: 'sns.amazonaws.com',
          SourceArn: TopicArn,
        }),
      );
      await sns().send(
        new SubscribeCommand({ TopicArn, Protocol: 'lambda', Endpoint: connection.functionArn }),
      );
    },

    async disconnectNoticesFunction(TopicArn) {
      if (connection.kind === 'http') return;
      const { module, client } = await lambda();
      try {
        await client.send(
          new module.RemovePermissionCommand({
            FunctionName: connection.functionArn,
            StatementId: statementId(TopicArn),
          }),
        );
      } catch (error) {
        if (!(error instanceof module.ResourceNotFoundException)) throw error;
      }
    },

    async publishToIngest(code, message) {
      const { MessageId } = await sns().send(
        new PublishCommand({ TopicArn: topicArn(topicPrefix, 'ingest', code), Message: message }),
      );
      return MessageId;
    },
  };
}
