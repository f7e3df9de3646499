import { Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages.ts';
import { EVENT_FUNCTIONS } from '../functions.ts';
import { HouseFunction } from './house-function.ts';

export interface MailFeedbackProps {
  config: StageConfig;
  configurationSet: ses.IConfigurationSet;
  table: ITableV2;
  /** Encrypts the topic; SES must be allowed to use it (the Stateful stack's key policy says so). */
  key: kms.IKey;
}

/**
 * Bounces and complaints back from SES: the configuration set publishes them to an encrypted, TLS-only
 * topic that only SES of this account may publish to, and a function marks the address undeliverable.
 */
export class MailFeedback extends Construct {
  public readonly topic: sns.Topic;
  public readonly handler: HouseFunction;

  constructor(scope: Construct, id: string, props: MailFeedbackProps) {
    super(scope, id);
    const account = Stack.of(this).account;
    this.topic = new sns.Topic(this, 'Topic', { masterKey: props.key, enforceSSL: true });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'AWS:SourceAccount': account } },
      }),
    );
    new ses.ConfigurationSetEventDestination(this, 'Destination', {
      configurationSet: props.configurationSet,
      destination: ses.EventDestination.snsTopic(this.topic),
      events: [ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
    });
    const { entry, handler, description } = EVENT_FUNCTIONS.mailFeedback;
    this.handler = new HouseFunction(this, 'Handler', {
      entry,
      handler,
      description,
      config: props.config,
    }).bindTable(props.table, 'write');
    this.topic.addSubscription(new subscriptions.LambdaSubscription(this.handler));
  }
}
