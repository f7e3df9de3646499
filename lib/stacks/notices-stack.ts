import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENV } from '../../functions/shared/env.ts';
import { acknowledge, acknowledgeWildcardResource } from '../acknowledge.ts';
import type { StageConfig } from '../config/stages.ts';
import { HouseFunction } from '../constructs/house-function.ts';
import { EVENT_FUNCTIONS } from '../functions.ts';
import { topicPrefixOf } from '../resources.ts';

export interface NoticesStackProps extends StackProps {
  config: StageConfig;
  /** Encrypts the dead-letter queue and the push topics at rest. */
  storageKey: kms.IKey;
  table: ITableV2;
}

/**
 * The municipalities' side: the notices function that every ingest topic (made by the onboarding command,
 * `npm run municipality`) invokes, its dead-letter queue for notices it could not accept, and the alarm on
 * that queue. The outputs are what the onboarding command needs.
 */
export class NoticesStack extends Stack {
  public readonly deadLetterQueue: sqs.Queue;
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  public readonly noticesFunction: HouseFunction;

  constructor(scope: Construct, id: string, props: NoticesStackProps) {
    super(scope, id, props);
    this.deadLetterQueue = new sqs.Queue(this, 'NoticesDeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.storageKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(this.deadLetterQueue, {
      'AwsSolutions-SQS3':
        'This queue is itself the dead-letter queue of the notices pipeline; it needs none of its own',
    });
    const topicPrefix = topicPrefixOf(this, props.config.stage);
    const { entry, handler, description } = EVENT_FUNCTIONS.notices;
    this.noticesFunction = new HouseFunction(this, 'NoticesFunction', {
      entry,
      handler,
      description,
      config: props.config,
    }).bindTable(props.table, 'readWrite');
    this.noticesFunction.addEnvironment(ENV.topicPrefix, topicPrefix);
    this.noticesFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [`${topicPrefix}-push-*`] }),
    );
    props.storageKey.grant(this.noticesFunction, 'kms:GenerateDataKey', 'kms:Decrypt');
    acknowledgeWildcardResource(
      this.noticesFunction.role as iam.IRole,
      `${topicPrefix}-push-*`,
      'Push topics are made at run time, one per municipality; the pattern limits publishing to this stage',
    );
    // Two retries, then the event goes to the dead-letter queue (and the alarm below fires). The
    // destination is given by ARN with an explicit grant: the library's grant would add wildcard actions.
    this.noticesFunction.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: { bind: () => ({ destination: this.deadLetterQueue.queueArn }) },
    });
    this.noticesFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }),
    );
    new CfnOutput(this, 'NoticesFunctionArn', { value: this.noticesFunction.functionArn });
    new CfnOutput(this, 'TableName', { value: props.table.tableName });
    new CfnOutput(this, 'TopicPrefix', { value: topicPrefix });
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'NoticesDeadLettersAlarm', {
      alarmDescription:
        'A municipality notice could not be processed and is waiting in the dead-letter queue',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
