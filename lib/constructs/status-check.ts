import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { acknowledge } from '../acknowledge.ts';
import type { StageConfig } from '../config/stages.ts';
import type { HouseFunction } from './house-function.ts';

export interface StatusCheckScheduleProps {
  config: StageConfig;
  /** The status check function (`EVENT_FUNCTIONS.statusCheck`, built with its dead letters and alarm). */
  target: HouseFunction;
}

/**
 * The schedule of the status check (現況確認, design.md §3.7): an EventBridge rule that invokes it every
 * `statusCheck.intervalMinutes`. EventBridge retries a failed delivery twice; a failed run goes, after
 * Lambda's own retries, to the function's dead-letter queue, whose alarm tells operators.
 */
export class StatusCheckSchedule extends Construct {
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: StatusCheckScheduleProps) {
    super(scope, id);
    this.rule = new events.Rule(this, 'Rule', {
      description: 'Runs the status check (現況確認) over the CRLs',
      schedule: events.Schedule.rate(Duration.minutes(props.config.statusCheck.intervalMinutes)),
      targets: [new targets.LambdaFunction(props.target, { retryAttempts: 2 })],
    });
    acknowledge(this.rule, {
      'Serverless-EventBusDLQ':
        "A delivery EventBridge cannot make after two retries is only a missed run: the schedule fires again at the next interval and a run picks up everything the missed one would have (it is idempotent); a failed run itself goes to the function's dead-letter queue and alarm",
    });
  }
}
