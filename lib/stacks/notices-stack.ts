import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stages.ts';
import type { DeadLetters } from '../constructs/dead-letters.ts';
import { buildFunctions, type HouseFunction, type StatefulResources } from '../constructs/house-function.ts';
import { eventFunctionsOf } from '../event-functions.ts';

export interface NoticesStackProps extends StackProps {
  config: StageConfig;
  resources: StatefulResources;
}

/**
 * The municipalities' side and the push delivery behind it: the notices function that every ingest topic
 * (made by the onboarding command, `npm run municipality`) invokes, and the consumer of the platform
 * applications' endpoint events. Each has a dead-letter queue with an alarm for what it could not
 * process. The outputs are what the onboarding command needs.
 */
export class NoticesStack extends Stack {
  public readonly functions: Record<string, HouseFunction>;
  public readonly deadLetters: Record<string, DeadLetters>;

  constructor(scope: Construct, id: string, props: NoticesStackProps) {
    super(scope, id, props);
    const { config, resources } = props;
    ({ functions: this.functions, deadLetters: this.deadLetters } = buildFunctions(
      this,
      eventFunctionsOf('notices'),
      { config, resources },
    ));
    const notices = this.functions.notices as HouseFunction;
    const endpointEvents = this.functions.endpointEvents as HouseFunction;
    resources.pushEvents.addSubscription(
      new subscriptions.LambdaSubscription(endpointEvents, {
        // What SNS cannot deliver to the function lands beside what the function could not process.
        deadLetterQueue: this.deadLetters.endpointEvents?.queue,
      }),
    );
    new CfnOutput(this, 'NoticesFunctionArn', { value: notices.functionArn });
    new CfnOutput(this, 'TableName', { value: resources.table.tableName });
    new CfnOutput(this, 'TopicPrefix', { value: resources.topicPrefix });
  }
}
