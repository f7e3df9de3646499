import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledge } from '../acknowledge.ts';
import type { StageConfig } from '../config/stages.ts';

export interface NoticesStackProps extends StackProps {
  config: StageConfig;
  /** Encrypts the dead-letter queue at rest. */
  storageKey: kms.IKey;
}

/**
 * The municipalities' side: what receives notices from their ingest topics. For now it holds the
 * dead-letter queue for notices that cannot be processed and the alarm on it; the notices function and the
 * onboarding of municipalities (issue 7) are added here.
 */
export class NoticesStack extends Stack {
  public readonly deadLetterQueue: sqs.Queue;
  public readonly deadLetterAlarm: cloudwatch.Alarm;

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
