import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import {
  API_STAGE_NAME,
  apiName,
  functionLogGroupName,
  functionName,
  resourceName,
  webAclMetricName,
} from '../../functions/shared/names.ts';
import type { FunctionSpec } from '../bindings.ts';
import type { StageConfig } from '../config/stages.ts';
import type { DeadLetters } from '../constructs/dead-letters.ts';
import { buildFunctions, type HouseFunction, type StatefulResources } from '../constructs/house-function.ts';
import {
  addLogMetricFilters,
  logMetric,
  namespaceOf,
  stageAlarm,
  WafLogging,
} from '../constructs/observability.ts';
import { EVENT_FUNCTIONS, eventFunctionsOf } from '../event-functions.ts';
import type { Route } from '../routes.ts';

export interface MonitoringStackProps extends StackProps {
  config: StageConfig;
  resources: StatefulResources;
  routes: readonly Route[];
  /** The API's web ACL, whose requests WAF logs here. */
  webAclArn: string;
}

/**
 * Thresholds of the stage-wide alarms; docs/operations.md gives each a runbook. Counts are per five
 * minutes unless named otherwise.
 */
export const THRESHOLDS = {
  api5xx: 5,
  apiLatencyP99Ms: 3000,
  /** Consecutive five-minute periods the p99 must stay above its threshold. */
  apiLatencyPeriods: 3,
  lambdaErrors: 1,
  lambdaThrottles: 1,
  authorizerErrors: 1,
  dynamoThrottles: 1,
  kmsThrottles: 1,
  wafBlocks: 500,
  /** Half of the rates at which SES puts an account under review (5 % bounces, 0.1 % complaints). */
  sesBounceRate: 0.025,
  sesComplaintRate: 0.0005,
  revocationUnavailable: 1,
} as const;

const FIVE_MINUTES = Duration.minutes(5);

/**
 * What tells operators how a stage is doing, deployed after the other four: an alarm (with the alarm
 * topic as its action) for API errors and latency, every function's errors and throttles, the
 * authorizer, DynamoDB and KMS throttling, WAF blocks, SES bounce and complaint rates, and registrations
 * failing closed on revocation; the log metrics those read; WAF logging; the chat forwarder; and one
 * dashboard. Metrics are found by the names `functions/shared/names.ts` derives, not by references.
 */
export class MonitoringStack extends Stack {
  public readonly alarms: Record<string, cloudwatch.Alarm> = {};
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly functions: Record<string, HouseFunction>;
  public readonly deadLetters: Record<string, DeadLetters>;
  public readonly wafLogging: WafLogging;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { config, resources } = props;
    const topic = resources.alarmTopic;
    const alarm = (alarmId: string, alarmProps: Parameters<typeof stageAlarm>[4]) => {
      this.alarms[alarmId] = stageAlarm(this, alarmId, config, topic, alarmProps);
      return this.alarms[alarmId];
    };
    const specs: FunctionSpec[] = [...props.routes, ...Object.values(EVENT_FUNCTIONS)];

    ({ functions: this.functions, deadLetters: this.deadLetters } = buildFunctions(
      this,
      eventFunctionsOf('monitoring'),
      { config, resources },
    ));
    if (config.alarms.chatWebhookSecretName) {
      topic.addSubscription(
        new subscriptions.LambdaSubscription(this.functions.alarmChat as HouseFunction, {
          deadLetterQueue: this.deadLetters.alarmChat?.queue,
        }),
      );
    }

    // Log-derived metrics from every function's log group (fixed names: see HouseFunction).
    for (const spec of specs) {
      const group =
        this.functions[spec.id]?.logGroup ??
        logs.LogGroup.fromLogGroupName(
          this,
          `${spec.id}LogGroup`,
          functionLogGroupName(config.stage, spec.id),
        );
      addLogMetricFilters(this, spec.id, group, config);
    }

    // The API.
    const api = (metricName: string, statistic: string, extra: Record<string, string> = {}) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiName: apiName(config.stage), Stage: API_STAGE_NAME, ...extra },
        statistic,
        period: FIVE_MINUTES,
      });
    alarm('api-5xx', {
      metric: api('5XXError', cloudwatch.Stats.SUM),
      threshold: THRESHOLDS.api5xx,
      meaning: `The API answered ${THRESHOLDS.api5xx} or more 5xx in five minutes.`,
      runbook: 'api-5xx',
    });
    alarm('api-latency', {
      metric: api('Latency', cloudwatch.Stats.p(99)),
      threshold: THRESHOLDS.apiLatencyP99Ms,
      evaluationPeriods: THRESHOLDS.apiLatencyPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      meaning: `The API's p99 latency stayed above ${THRESHOLDS.apiLatencyP99Ms} ms for ${THRESHOLDS.apiLatencyPeriods * 5} minutes.`,
      runbook: 'api-latency',
    });

    // Every function: errors and throttles; the authorizer's errors under their own name.
    const lambda = (metricName: string, id: string, statistic: string = cloudwatch.Stats.SUM) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Lambda',
        metricName,
        dimensionsMap: { FunctionName: functionName(config.stage, id) },
        statistic,
        period: FIVE_MINUTES,
      });
    for (const spec of specs) {
      const isAuthorizer = spec.id === EVENT_FUNCTIONS.authorizer.id;
      alarm(isAuthorizer ? 'authorizer-errors' : `lambda-errors-${spec.id}`, {
        metric: lambda('Errors', spec.id),
        threshold: isAuthorizer ? THRESHOLDS.authorizerErrors : THRESHOLDS.lambdaErrors,
        meaning: isAuthorizer
          ? 'The token authorizer failed (not a refused token: a fault), so resident routes answer 5xx.'
          : `The function ${functionName(config.stage, spec.id)} failed (an uncaught error or a timeout).`,
        runbook: isAuthorizer ? 'authorizer-errors' : 'lambda-errors',
      });
      alarm(`lambda-throttles-${spec.id}`, {
        metric: lambda('Throttles', spec.id),
        threshold: THRESHOLDS.lambdaThrottles,
        meaning: `Lambda throttled ${functionName(config.stage, spec.id)}: the account's concurrency ran out.`,
        runbook: 'lambda-throttles',
      });
    }

    // DynamoDB and KMS.
    const table = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: { TableName: resources.table.tableName },
        statistic: cloudwatch.Stats.SUM,
        period: FIVE_MINUTES,
      });
    const dynamoThrottles = new cloudwatch.MathExpression({
      expression: 'reads + writes',
      usingMetrics: { reads: table('ReadThrottleEvents'), writes: table('WriteThrottleEvents') },
      label: 'DynamoDB throttle events',
      period: FIVE_MINUTES,
    });
    alarm('dynamodb-throttles', {
      metric: dynamoThrottles,
      threshold: THRESHOLDS.dynamoThrottles,
      meaning: 'DynamoDB throttled reads or writes of the table.',
      runbook: 'dynamodb-throttles',
    });
    alarm('kms-throttles', {
      metric: logMetric(config, 'awsThrottles', 'KMS'),
      threshold: THRESHOLDS.kmsThrottles,
      meaning: 'KMS throttled calls of the functions: the account request quota is running out.',
      runbook: 'kms-throttles',
    });

    // WAF, SES, revocation.
    const waf = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/WAFV2',
        metricName,
        dimensionsMap: { WebACL: webAclMetricName(config.stage), Region: this.region, Rule: 'ALL' },
        statistic: cloudwatch.Stats.SUM,
        period: FIVE_MINUTES,
      });
    alarm('waf-blocks', {
      metric: waf('BlockedRequests'),
      threshold: THRESHOLDS.wafBlocks,
      meaning: `The web application firewall blocked ${THRESHOLDS.wafBlocks} or more requests in five minutes.`,
      runbook: 'waf-blocks',
    });
    const ses = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/SES',
        metricName,
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(15),
      });
    alarm('ses-bounce-rate', {
      metric: ses('Reputation.BounceRate'),
      threshold: THRESHOLDS.sesBounceRate,
      meaning: `The account's SES bounce rate reached ${THRESHOLDS.sesBounceRate * 100} % (SES reviews at 5 %).`,
      runbook: 'ses-reputation',
    });
    alarm('ses-complaint-rate', {
      metric: ses('Reputation.ComplaintRate'),
      threshold: THRESHOLDS.sesComplaintRate,
      meaning: `The account's SES complaint rate reached ${THRESHOLDS.sesComplaintRate * 100} % (SES reviews at 0.1 %).`,
      runbook: 'ses-reputation',
    });
    alarm('revocation-unavailable', {
      metric: logMetric(config, 'serverProblems', 'revocation_unavailable'),
      threshold: THRESHOLDS.revocationUnavailable,
      meaning:
        'Registration failed closed (503 revocation_unavailable): no fresh, verifying CRL of an issuing CA.',
      runbook: 'revocation-unavailable',
    });

    this.wafLogging = new WafLogging(this, 'WafLogging', { config, webAclArn: props.webAclArn });
    this.dashboard = stageDashboard(this, config, specs, props.routes, resources, Object.values(this.alarms));
  }
}

/**
 * The stage's dashboard (`xid-<stage>`): the API per route, every function, throttling, the residents'
 * and the municipalities' traffic, mail, the status check, and every alarm's state.
 */
function stageDashboard(
  scope: Construct,
  config: StageConfig,
  specs: readonly FunctionSpec[],
  routes: readonly Route[],
  resources: StatefulResources,
  alarms: readonly cloudwatch.Alarm[],
): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: resourceName(config.stage, 'overview'),
    defaultInterval: Duration.hours(3),
  });
  const apiRoute = (metricName: string, statistic: string, route: Route) =>
    new cloudwatch.Metric({
      namespace: 'AWS/ApiGateway',
      metricName,
      dimensionsMap: {
        ApiName: apiName(config.stage),
        Stage: API_STAGE_NAME,
        Method: route.method,
        Resource: route.path,
      },
      statistic,
      label: `${route.method} ${route.path}`,
      period: Duration.minutes(1),
    });
  const perRoute = (title: string, metricName: string, statistic: string) =>
    new cloudwatch.GraphWidget({
      title,
      width: 12,
      left: routes.map((route) => apiRoute(metricName, statistic, route)),
    });
  const lambda = (metricName: string, statistic: string, id: string) =>
    new cloudwatch.Metric({
      namespace: 'AWS/Lambda',
      metricName,
      dimensionsMap: { FunctionName: functionName(config.stage, id) },
      statistic,
      label: id,
      period: Duration.minutes(1),
    });
  const perFunction = (title: string, metricName: string, statistic: string) =>
    new cloudwatch.GraphWidget({
      title,
      width: 8,
      left: specs.map((spec) => lambda(metricName, statistic, spec.id)),
    });
  const own = (metricName: string, service: string, label = metricName) =>
    new cloudwatch.Metric({
      namespace: namespaceOf(config),
      metricName,
      dimensionsMap: { service },
      statistic: cloudwatch.Stats.SUM,
      label,
      period: Duration.minutes(5),
    });
  const aws = (namespace: string, metricName: string, dimensionsMap: Record<string, string> = {}) =>
    new cloudwatch.Metric({
      namespace,
      metricName,
      dimensionsMap,
      statistic: cloudwatch.Stats.SUM,
      label: metricName,
      period: Duration.minutes(5),
    });
  dashboard.addWidgets(
    new cloudwatch.TextWidget({
      markdown: `# xID ${config.stage}\nRunbook for every alarm: docs/operations.md. Correlation id: the problem's \`instance\` = access log \`requestId\` = \`correlation_id\` in function logs.`,
      width: 24,
      height: 2,
    }),
  );
  dashboard.addWidgets(
    perRoute('API latency p50 by route (ms)', 'Latency', cloudwatch.Stats.p(50)),
    perRoute('API latency p99 by route (ms)', 'Latency', cloudwatch.Stats.p(99)),
  );
  dashboard.addWidgets(
    perRoute('API 5xx by route', '5XXError', cloudwatch.Stats.SUM),
    perRoute('API 4xx by route', '4XXError', cloudwatch.Stats.SUM),
  );
  dashboard.addWidgets(
    perFunction('Lambda errors', 'Errors', cloudwatch.Stats.SUM),
    perFunction('Lambda throttles', 'Throttles', cloudwatch.Stats.SUM),
    perFunction('Lambda duration p99 (ms)', 'Duration', cloudwatch.Stats.p(99)),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'DynamoDB throttling',
      width: 8,
      left: [
        aws('AWS/DynamoDB', 'ReadThrottleEvents', { TableName: resources.table.tableName }),
        aws('AWS/DynamoDB', 'WriteThrottleEvents', { TableName: resources.table.tableName }),
        logMetric(config, 'awsThrottles', 'DynamoDB').with({ label: 'throttled calls seen by functions' }),
      ],
    }),
    new cloudwatch.GraphWidget({
      title: 'KMS throttling',
      width: 8,
      left: [logMetric(config, 'awsThrottles', 'KMS').with({ label: 'throttled KMS calls' })],
    }),
    new cloudwatch.GraphWidget({
      title: 'WAF',
      width: 8,
      left: ['AllowedRequests', 'BlockedRequests'].map((metricName) =>
        aws('AWS/WAFV2', metricName, {
          WebACL: webAclMetricName(config.stage),
          Region: Stack.of(scope).region,
          Rule: 'ALL',
        }),
      ),
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Registrations and logins',
      width: 8,
      left: [
        own('Successes', 'postRegistration', 'registrations'),
        own('Successes', 'postActivation', 'activations'),
        own('Successes', 'postSession', 'logins'),
      ],
    }),
    new cloudwatch.GraphWidget({
      title: 'Notices',
      width: 8,
      left: [
        own('NoticesAccepted', 'notices', 'accepted'),
        own('DuplicateNotices', 'notices', 'duplicate'),
        own('NoticesRejected', 'notices', 'rejected'),
        own('NoticesPushed', 'notices', 'pushed'),
      ],
    }),
    new cloudwatch.GraphWidget({
      title: 'Mail, status check, revocation',
      width: 8,
      left: [
        aws('AWS/SES', 'Send'),
        aws('AWS/SES', 'Bounce'),
        own('AddressesMarkedUndeliverable', 'mailFeedback', 'addresses marked undeliverable'),
        own('StatusCheckMoved', 'statusCheck', 'status check: accounts to re-verify'),
        logMetric(config, 'serverProblems', 'revocation_unavailable').with({
          label: 'revocation_unavailable',
        }),
      ],
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, height: 8, alarms: [...alarms] }),
  );
  return dashboard;
}
