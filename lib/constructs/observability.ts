import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { SERVER_PROBLEM_LOG_MESSAGE } from '../../functions/shared/http/middleware.ts';
import { resourceName, THROTTLED_LOG_MESSAGE } from '../../functions/shared/names.ts';
import type { StageConfig } from '../config/stages.ts';

/**
 * The pieces that make a stage operable: what the access log records, the alarm topic, alarms that always
 * have an action, and the log-derived metrics the alarms and the dashboard read. The Monitoring stack
 * (`lib/stacks/monitoring-stack.ts`) puts them together; docs/operations.md has a runbook per alarm.
 */

/** Where every alarm's runbook is; each alarm's description ends with its section. */
export const RUNBOOK = 'docs/operations.md';

/**
 * One JSON line per request, with the correlation id (`requestId`, also the problem documents' `instance`
 * and the handlers' `correlation_id`), latencies, and why API Gateway, the authorizer or WAF refused it.
 * Never the path with its parameters (a verification token sits in one), never a header, never a body.
 */
export function accessLogFormat(): apigw.AccessLogFormat {
  const f = apigw.AccessLogField;
  return apigw.AccessLogFormat.custom(
    JSON.stringify({
      requestId: f.contextRequestId(),
      extendedRequestId: f.contextExtendedRequestId(),
      xrayTraceId: f.contextXrayTraceId(),
      ip: f.contextIdentitySourceIp(),
      requestTime: f.contextRequestTime(),
      httpMethod: f.contextHttpMethod(),
      resourcePath: f.contextResourcePath(),
      protocol: f.contextProtocol(),
      status: f.contextStatus(),
      responseLength: f.contextResponseLength(),
      responseLatency: f.contextResponseLatency(),
      integrationLatency: f.contextIntegrationLatency(),
      integrationStatus: f.contextIntegrationStatus(),
      errorMessage: f.contextErrorMessage(),
      errorResponseType: f.contextErrorResponseType(),
      authorizerError: f.contextAuthorizerError(),
      authorizerStatus: f.contextAuthorizerStatus(),
      authorizerLatency: f.contextAuthorizerLatency(),
      wafStatus: f.contextWafStatus(),
      wafResponseCode: f.contextWafResponseCode(),
      wafError: f.contextWafError(),
    }),
  );
}

/** The access-log fields the infrastructure tests and docs/operations.md promise. */
export const ACCESS_LOG_FIELDS = [
  'requestId',
  'responseLatency',
  'integrationLatency',
  'errorMessage',
  'authorizerError',
  'wafStatus',
] as const;

export interface AlarmTopicProps {
  config: StageConfig;
  /** Encrypts the topic at rest; CloudWatch must be allowed to use it through SNS (added here). */
  key: kms.Key;
  /** Where SNS keeps what it could not deliver to a subscriber (e-mail). */
  deadLetterQueue: sqs.IQueue;
}

/**
 * The stage's one alarm topic: every alarm sends ALARM and OK here, and the stage configuration's e-mail
 * subscribers (and, through the chat forwarder, its chat webhook) hear it.
 */
export class AlarmTopic extends Construct {
  public readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: resourceName(props.config.stage, 'alarms'),
      displayName: `xID ${props.config.stage} alarms`,
      masterKey: props.key,
      enforceSSL: true,
    });
    // An explicit topic policy replaces SNS's default one: CloudWatch of this account must be let in.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'AWS:SourceAccount': stack.account } },
      }),
    );
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:ViaService': `sns.${stack.region}.amazonaws.com` } },
      }),
    );
    for (const email of props.config.alarms.emails) {
      this.topic.addSubscription(
        new subscriptions.EmailSubscription(email, { deadLetterQueue: props.deadLetterQueue }),
      );
    }
  }
}

export interface StageAlarmProps {
  /** What the alarm watches. */
  metric: cloudwatch.IMetric;
  threshold: number;
  /** Default: at or above the threshold. */
  comparisonOperator?: cloudwatch.ComparisonOperator;
  /** Default 1 period of the metric. */
  evaluationPeriods?: number;
  /** What it means, in one sentence. */
  meaning: string;
  /** The runbook section (its heading's anchor in docs/operations.md). */
  runbook: string;
  /** Default: missing data is not breaching (quiet stages have no data points). */
  treatMissingData?: cloudwatch.TreatMissingData;
}

/**
 * An alarm named `xid-<stage>-<id>` that tells the alarm topic when it fires and when it recovers, with its
 * meaning and its runbook section in the description. No alarm of the project is made without an action.
 */
export function stageAlarm(
  scope: Construct,
  id: string,
  config: StageConfig,
  topic: sns.ITopic,
  props: StageAlarmProps,
): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmName: resourceName(config.stage, id),
    alarmDescription: `${props.meaning} Runbook: ${RUNBOOK}#${props.runbook}`,
    metric: props.metric,
    threshold: props.threshold,
    evaluationPeriods: props.evaluationPeriods ?? 1,
    comparisonOperator:
      props.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: props.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  connectAlarm(alarm, topic);
  return alarm;
}

/** Sends an alarm's ALARM and OK transitions to the alarm topic. */
export function connectAlarm(alarm: cloudwatch.Alarm, topic: sns.ITopic): void {
  const action = new actions.SnsAction(topic);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
}

/** The namespace of the project's own metrics (Powertools EMF and the log metric filters). */
export const namespaceOf = (config: StageConfig) => `xid-${config.stage}`;

/**
 * Metrics read from every function's JSON log lines (Powertools Logger): 5xx problems by `code` (the
 * middleware's "request failed" line) and throttled AWS calls by service (clients.ts "aws throttled").
 */
export const LOG_METRICS = {
  serverProblems: {
    metricName: 'ServerProblems',
    message: SERVER_PROBLEM_LOG_MESSAGE,
    dimensions: { code: '$.code' },
  },
  awsThrottles: {
    metricName: 'AwsThrottles',
    message: THROTTLED_LOG_MESSAGE,
    dimensions: { awsService: '$.awsService' },
  },
} as const;

/** Adds the log metric filters to one function's log group. */
export function addLogMetricFilters(
  scope: Construct,
  id: string,
  logGroup: logs.ILogGroup,
  config: StageConfig,
) {
  for (const [name, spec] of Object.entries(LOG_METRICS)) {
    new logs.MetricFilter(scope, `${id}${name[0]?.toUpperCase()}${name.slice(1)}`, {
      logGroup,
      metricNamespace: namespaceOf(config),
      metricName: spec.metricName,
      filterPattern: logs.FilterPattern.stringValue('$.message', '=', spec.message),
      metricValue: '1',
      dimensions: { ...spec.dimensions },
      unit: cloudwatch.Unit.COUNT,
    });
  }
}

/** A metric of the log metric filters, for one dimension value. */
export function logMetric(
  config: StageConfig,
  which: keyof typeof LOG_METRICS,
  dimension: string,
  period = Duration.minutes(5),
): cloudwatch.Metric {
  const spec = LOG_METRICS[which];
  const [key] = Object.keys(spec.dimensions) as [string];
  return new cloudwatch.Metric({
    namespace: namespaceOf(config),
    metricName: spec.metricName,
    dimensionsMap: { [key]: dimension },
    statistic: cloudwatch.Stats.SUM,
    period,
  });
}

export interface WafLoggingProps {
  config: StageConfig;
  webAclArn: string;
}

/**
 * WAF's logs into CloudWatch Logs (the group's name must start with `aws-waf-logs-`), with the stage's
 * retention: the requests it blocked or counted (every request is in the access log already, with its
 * `wafStatus`; logging all of them would be the largest log bill at scale). The path and query are redacted
 * (a verification token travels in one) and so is the `Authorization` header.
 */
export class WafLogging extends Construct {
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: WafLoggingProps) {
    super(scope, id);
    const { config } = props;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `aws-waf-logs-${resourceName(config.stage, 'api')}`,
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    new wafv2.CfnLoggingConfiguration(this, 'Configuration', {
      resourceArn: props.webAclArn,
      logDestinationConfigs: [
        Stack.of(this).formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: this.logGroup.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: [{ uriPath: {} }, { queryString: {} }, { singleHeader: { Name: 'authorization' } }],
      loggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [
          {
            Behavior: 'KEEP',
            Requirement: 'MEETS_ANY',
            Conditions: [{ ActionCondition: { Action: 'BLOCK' } }, { ActionCondition: { Action: 'COUNT' } }],
          },
        ],
      },
    });
  }
}
