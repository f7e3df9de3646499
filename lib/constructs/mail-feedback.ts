import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface MailFeedbackProps {
  configurationSet: ses.IConfigurationSet;
  /** Encrypts the topic; SES must be allowed to use it (the Stateful stack's key policy says so). */
  key: kms.IKey;
  /** The function that records the feedback. */
  handler: lambda.IFunction;
  /** Where SNS puts what it cannot deliver to the function. */
  deadLetterQueue?: IQueue;
}

/**
 * Bounces and complaints back from SES: the configuration set publishes them to an encrypted, TLS-only
 * topic that only SES of this account may publish to, subscribed by the function that marks the address
 * undeliverable.
 */
export class MailFeedback extends Construct {
  public readonly topic: sns.Topic;

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
    this.topic.addSubscription(
      new subscriptions.LambdaSubscription(props.handler, { deadLetterQueue: props.deadLetterQueue }),
    );
  }
}
