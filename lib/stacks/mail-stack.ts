import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stages.ts';
import type { DeadLetters } from '../constructs/dead-letters.ts';
import { buildFunctions, type HouseFunction, type StatefulResources } from '../constructs/house-function.ts';
import { MailFeedback } from '../constructs/mail-feedback.ts';
import { eventFunctionsOf } from '../event-functions.ts';

export interface MailStackProps extends StackProps {
  config: StageConfig;
  resources: StatefulResources;
}

/**
 * What comes back from SES: bounces and complaints of the stage's configuration set, delivered to the
 * function that marks addresses undeliverable, with a dead-letter queue for what it could not process.
 */
export class MailStack extends Stack {
  public readonly functions: Record<string, HouseFunction>;
  public readonly deadLetters: Record<string, DeadLetters>;
  public readonly feedback: MailFeedback;

  constructor(scope: Construct, id: string, props: MailStackProps) {
    super(scope, id, props);
    const { config, resources } = props;
    ({ functions: this.functions, deadLetters: this.deadLetters } = buildFunctions(
      this,
      eventFunctionsOf('mail'),
      { config, resources },
    ));
    this.feedback = new MailFeedback(this, 'MailFeedback', {
      configurationSet: resources.configurationSet,
      key: resources.storageKey,
      handler: this.functions.mailFeedback as HouseFunction,
      deadLetterQueue: this.deadLetters.mailFeedback?.queue,
    });
  }
}
