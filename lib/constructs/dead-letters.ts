import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { resourceName } from '../../functions/shared/names.ts';
import { acknowledge } from '../acknowledge.ts';
import type { StageConfig } from '../config/stages.ts';
import { connectAlarm, RUNBOOK } from './observability.ts';

export interface DeadLettersProps {
  config: StageConfig;
  /** Encrypts the queue at rest. */
  key: IKey;
  /** What the queue holds the failures of, for the alarm's description. */
  description: string;
  /** The stage's alarm topic; without one, call `connect` once it exists. */
  alarmTopic?: ITopic;
}

/** The runbook section of every dead-letter alarm (docs/operations.md). */
export const DEAD_LETTERS_RUNBOOK = 'dead-letters';

/**
 * A dead-letter queue (encrypted, TLS only, 14 days) and an alarm that fires as soon as one message
 * waits in it, named `xid-<stage>-<id>` and sent to the stage's alarm topic: what is left of an event that
 * a function or a subscription could not process.
 */
export class DeadLetters extends Construct {
  public readonly queue: sqs.Queue;
  public readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DeadLettersProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const reason = 'This queue is itself a dead-letter queue; it needs none of its own';
    acknowledge(this.queue, { 'AwsSolutions-SQS3': reason, 'Serverless-SQSRedrivePolicy': reason });
    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmName: resourceName(props.config.stage, id),
      alarmDescription: `Events wait in a dead-letter queue: ${props.description}. Runbook: ${RUNBOOK}#${DEAD_LETTERS_RUNBOOK}`,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) this.connect(props.alarmTopic);
  }

  /** Sends the alarm's transitions to the alarm topic. */
  connect(topic: ITopic): void {
    connectAlarm(this.alarm, topic);
  }
}
