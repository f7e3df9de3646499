import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEPENDENCY_RETRY_AFTER_SECONDS } from '#functions/shared/dependency-failure';
import { PROBLEMS } from '#functions/shared/problems';
import { addStage } from '#lib/app';
import { stageConfig } from '#lib/config/stages';
import { ACCESS_LOG_FIELDS, LOG_METRICS } from '#lib/constructs/observability';
import { EVENT_FUNCTIONS } from '#lib/event-functions';
import {
  GATEWAY_RESPONSES,
  REQUEST_ID_VARIABLE,
  THROTTLED_RETRY_AFTER_SECONDS,
} from '#lib/gateway-responses';
import { REPO_ROOT } from '#lib/paths';
import { ROUTES } from '#lib/routes';
import { THRESHOLDS } from '#lib/stacks/monitoring-stack';
import { allResources, cdkJsonContext, type SynthesisedStage, synthStage } from './synth.ts';

/**
 * Operable in production (issue 16): every alarm with its metric, threshold and action; every dead-letter
 * queue; the dashboard; WAF and access logs; one error shape from API Gateway; a deployer's settings.
 */
const operations = readFileSync(path.join(REPO_ROOT, 'docs/operations.md'), 'utf8');
const DEPLOYER = {
  alarmEmails: 'oncall@city.example.jp',
  alarmChatWebhookSecret: 'ops/xid-alarm-chat',
  apiDomain: 'api.xid.city.example.jp',
  hostedZoneId: 'Z0123456789ABCDEF',
  hostedZoneName: 'xid.city.example.jp',
};
const FUNCTIONS = [...ROUTES.map((r) => r.id), ...Object.keys(EVENT_FUNCTIONS)];

let prod: SynthesisedStage;
let dev: SynthesisedStage;
beforeAll(() => {
  prod = synthStage('prod', DEPLOYER);
  dev = synthStage('dev');
});

type Resource = { Type: string; Properties: Record<string, unknown> };
const ofType = (stage: SynthesisedStage, type: string) =>
  allResources(stage).filter(([, r]) => r.Type === type) as [string, Resource][];
const alarms = (stage: SynthesisedStage) =>
  new Map(
    ofType(stage, 'AWS::CloudWatch::Alarm').map(([, r]) => [r.Properties.AlarmName as string, r.Properties]),
  );
/** The alarm topic as a reference from any stack: its logical id appears in the Ref or the stack output. */
const isAlarmTopic = (action: unknown) => /AlarmsTopic/.test(JSON.stringify(action));

describe('alarms', () => {
  it('gives every alarm of every stack the alarm topic as its ALARM and OK action, and a runbook section', () => {
    const all = [...alarms(prod).entries()];
    expect(all.length).toBeGreaterThan(2 * FUNCTIONS.length);
    for (const [name, alarm] of all) {
      expect(alarm.AlarmActions, name).toHaveLength(1);
      expect(isAlarmTopic((alarm.AlarmActions as unknown[])[0]), name).toBe(true);
      expect(isAlarmTopic((alarm.OKActions as unknown[])[0]), name).toBe(true);
      const anchor = /Runbook: docs\/operations\.md#([a-z0-9-]+)$/.exec(
        alarm.AlarmDescription as string,
      )?.[1];
      expect(anchor, name).toBeDefined();
      expect(operations, `runbook section ${anchor} of ${name}`).toContain(`<a id="${anchor}"></a>`);
    }
  });

  const metric = (alarm: Record<string, unknown>) => ({
    namespace: alarm.Namespace,
    metric: alarm.MetricName,
    dimensions: Object.fromEntries(
      ((alarm.Dimensions as { Name: string; Value: unknown }[]) ?? []).map((d) => [d.Name, d.Value]),
    ),
    statistic: alarm.Statistic ?? alarm.ExtendedStatistic,
    threshold: alarm.Threshold,
    comparison: alarm.ComparisonOperator,
    periods: alarm.EvaluationPeriods,
  });
  const atLeast = 'GreaterThanOrEqualToThreshold';

  it.each([
    [
      'xid-prod-api-5xx',
      {
        namespace: 'AWS/ApiGateway',
        metric: '5XXError',
        dimensions: { ApiName: 'xid-prod', Stage: 'live' },
        statistic: 'Sum',
        threshold: THRESHOLDS.api5xx,
        comparison: atLeast,
        periods: 1,
      },
    ],
    [
      'xid-prod-api-latency',
      {
        namespace: 'AWS/ApiGateway',
        metric: 'Latency',
        dimensions: { ApiName: 'xid-prod', Stage: 'live' },
        statistic: 'p99',
        threshold: THRESHOLDS.apiLatencyP99Ms,
        comparison: 'GreaterThanThreshold',
        periods: THRESHOLDS.apiLatencyPeriods,
      },
    ],
    [
      'xid-prod-authorizer-errors',
      {
        namespace: 'AWS/Lambda',
        metric: 'Errors',
        dimensions: { FunctionName: 'xid-prod-authorizer' },
        statistic: 'Sum',
        threshold: THRESHOLDS.authorizerErrors,
        comparison: atLeast,
        periods: 1,
      },
    ],
    [
      'xid-prod-kms-throttles',
      {
        namespace: 'xid-prod',
        metric: 'AwsThrottles',
        dimensions: { awsService: 'KMS' },
        statistic: 'Sum',
        threshold: THRESHOLDS.kmsThrottles,
        comparison: atLeast,
        periods: 1,
      },
    ],
    [
      'xid-prod-waf-blocks',
      {
        namespace: 'AWS/WAFV2',
        metric: 'BlockedRequests',
        dimensions: { WebACL: 'xid-prod-api', Region: 'ap-northeast-1', Rule: 'ALL' },
        statistic: 'Sum',
        threshold: THRESHOLDS.wafBlocks,
        comparison: atLeast,
        periods: 1,
      },
    ],
    [
      'xid-prod-ses-bounce-rate',
      {
        namespace: 'AWS/SES',
        metric: 'Reputation.BounceRate',
        dimensions: {},
        statistic: 'Maximum',
        threshold: THRESHOLDS.sesBounceRate,
        comparison: atLeast,
        periods: 1,
      },
    ],
    [
      'xid-prod-ses-complaint-rate',
      {
        namespace: 'AWS/SES',
        metric: 'Reputation.ComplaintRate',
        dimensions: {},
        statistic: 'Maximum',
        threshold: THRESHOLDS.sesComplaintRate,
        comparison: atLeast,
        periods: 1,
      },
    ],
    [
      'xid-prod-revocation-unavailable',
      {
        namespace: 'xid-prod',
        metric: 'ServerProblems',
        dimensions: { code: 'revocation_unavailable' },
        statistic: 'Sum',
        threshold: THRESHOLDS.revocationUnavailable,
        comparison: atLeast,
        periods: 1,
      },
    ],
  ])('%s watches the right metric with its threshold', (name, expected) => {
    const alarm = alarms(prod).get(name);
    if (!alarm) throw new Error(`no alarm ${name}`);
    expect(metric(alarm)).toEqual(expected);
  });

  it('watches DynamoDB read and write throttling of the table', () => {
    const alarm = alarms(prod).get('xid-prod-dynamodb-throttles') as { Metrics: Record<string, unknown>[] };
    expect(alarm).toBeDefined();
    const [expression, ...metrics] = alarm.Metrics;
    expect(expression?.Expression).toBe('reads + writes');
    expect(
      metrics.map((m) => (m.MetricStat as { Metric: { MetricName: string } }).Metric.MetricName).sort(),
    ).toEqual(['ReadThrottleEvents', 'WriteThrottleEvents']);
    expect(JSON.stringify(metrics)).toContain('"Name":"TableName"');
  });

  it.each(FUNCTIONS)('watches errors and throttles of the function %s by its fixed name', (id) => {
    const errors = alarms(prod).get(
      id === 'authorizer' ? 'xid-prod-authorizer-errors' : `xid-prod-lambda-errors-${id}`,
    );
    const throttles = alarms(prod).get(`xid-prod-lambda-throttles-${id}`);
    for (const [alarm, name] of [
      [errors, 'Errors'],
      [throttles, 'Throttles'],
    ] as const) {
      expect(alarm && metric(alarm)).toEqual({
        namespace: 'AWS/Lambda',
        metric: name,
        dimensions: { FunctionName: `xid-prod-${id}` },
        statistic: 'Sum',
        threshold: 1,
        comparison: atLeast,
        periods: 1,
      });
    }
  });

  it('fires a dead-letter alarm, with the alarm topic as action, for every queue of every async function', () => {
    const asyncIds = Object.values(EVENT_FUNCTIONS)
      .filter((fn) => fn.invocation === 'async')
      .map((fn) => fn.id);
    for (const id of [...asyncIds, 'AlarmDelivery']) {
      const alarm = alarms(prod).get(`xid-prod-${id}DeadLetters`);
      expect(alarm && metric(alarm), id).toMatchObject({
        namespace: 'AWS/SQS',
        metric: 'ApproximateNumberOfMessagesVisible',
        threshold: 1,
        comparison: atLeast,
      });
      expect(isAlarmTopic((alarm?.AlarmActions as unknown[] | undefined)?.[0]), id).toBe(true);
    }
    expect(ofType(prod, 'AWS::SQS::Queue')).toHaveLength(asyncIds.length + 1);
  });

  it('counts 5xx problems by code and throttled AWS calls from the JSON log lines of every function', () => {
    const filters = ofType(prod, 'AWS::Logs::MetricFilter').map(([, r]) => r.Properties);
    for (const id of FUNCTIONS) {
      const own = filters.filter(
        (f) =>
          f.LogGroupName === `/aws/lambda/xid-prod-${id}` ||
          JSON.stringify(f.LogGroupName).includes(`${id}Logs`),
      );
      expect(own.map((f) => JSON.stringify(f.MetricTransformations)).sort(), id).toEqual(
        Object.values(LOG_METRICS)
          .map((spec) =>
            JSON.stringify([
              {
                Dimensions: Object.entries(spec.dimensions).map(([Key, Value]) => ({ Key, Value })),
                MetricName: spec.metricName,
                MetricNamespace: 'xid-prod',
                MetricValue: '1',
                Unit: 'Count',
              },
            ]),
          )
          .sort(),
      );
      expect(own.map((f) => f.FilterPattern).sort(), id).toEqual([
        '{ $.message = "aws throttled" }',
        '{ $.message = "request failed" }',
      ]);
    }
  });

  it('names every function and its log group after the stage, as the alarms and the runbook find them', () => {
    const names = ofType(prod, 'AWS::Lambda::Function')
      .map(([, r]) => r.Properties.FunctionName)
      .filter((n) => typeof n === 'string');
    expect(names.sort()).toEqual(FUNCTIONS.map((id) => `xid-prod-${id}`).sort());
  });
});

describe('who hears the alarms', () => {
  it("subscribes the stage's e-mail addresses, with a dead-letter queue, and forwards to the chat webhook", () => {
    prod.templates.stateful.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: DEPLOYER.alarmEmails,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
    });
    prod.templates.monitoring.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
    });
    const forwarder = ofType(prod, 'AWS::IAM::Policy').filter(([id]) => id.startsWith('alarmChatRole'));
    expect(JSON.stringify(forwarder)).toContain(`secret:${DEPLOYER.alarmChatWebhookSecret}-??????`);
  });

  it('lets CloudWatch publish to the encrypted alarm topic and use its key only through SNS', () => {
    prod.templates.stateful.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' }),
        ]),
      },
    });
    prod.templates.stateful.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: { StringEquals: { 'kms:ViaService': 'sns.ap-northeast-1.amazonaws.com' } },
          }),
        ]),
      },
    });
  });

  it('subscribes nobody a stage does not name', () => {
    expect(
      ofType(dev, 'AWS::SNS::Subscription').filter(([, r]) => r.Properties.Protocol === 'email'),
    ).toEqual([]);
    dev.templates.monitoring.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('the dashboard', () => {
  const body = () => {
    const [[, dashboard] = []] = ofType(prod, 'AWS::CloudWatch::Dashboard');
    expect(dashboard?.Properties.DashboardName).toBe('xid-prod-overview');
    return JSON.stringify(dashboard?.Properties.DashboardBody);
  };

  it.each([
    'API latency p50 by route',
    'API latency p99 by route',
    'API 5xx by route',
    'Lambda errors',
    'Lambda throttles',
    'Lambda duration p99',
    'DynamoDB throttling',
    'KMS throttling',
    'Registrations and logins',
    'Notices',
    'Mail, status check, revocation',
    'Alarms',
  ])('has the widget "%s"', (title) => {
    expect(body()).toContain(`\\"title\\":\\"${title}`);
  });

  it("graphs every route and every function, and the residents' and municipalities' traffic", () => {
    const text = body();
    for (const route of ROUTES) expect(text).toContain(`\\"Resource\\",\\"${route.path}\\"`);
    for (const id of FUNCTIONS) expect(text).toContain(`\\"FunctionName\\",\\"xid-prod-${id}\\"`);
    for (const metric of [
      'NoticesAccepted',
      'NoticesRejected',
      'NoticesPushed',
      'StatusCheckMoved',
      'Bounce',
    ])
      expect(text).toContain(`\\"${metric}\\"`);
  });
});

describe('logs', () => {
  it('logs the requests WAF blocked or counted to aws-waf-logs-…, with the path, query and Authorization redacted', () => {
    prod.templates.monitoring.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: 'aws-waf-logs-xid-prod-api',
      RetentionInDays: 365,
    });
    prod.templates.monitoring.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      RedactedFields: [{ UriPath: {} }, { QueryString: {} }, { SingleHeader: { Name: 'authorization' } }],
      LoggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [
          Match.objectLike({
            Behavior: 'KEEP',
            Conditions: [{ ActionCondition: { Action: 'BLOCK' } }, { ActionCondition: { Action: 'COUNT' } }],
          }),
        ],
      },
    });
  });

  it('writes access logs with latency, integration latency, error message, authorizer error and WAF status', () => {
    const [[, stage] = []] = ofType(prod, 'AWS::ApiGateway::Stage');
    const format = JSON.parse(
      (stage?.Properties.AccessLogSetting as { Format?: string } | undefined)?.Format ?? '{}',
    );
    for (const field of ACCESS_LOG_FIELDS) expect(format[field], field).toMatch(/^\$context\./);
    expect(format.requestId).toBe(REQUEST_ID_VARIABLE);
    expect(JSON.stringify(format)).not.toMatch(/\$context\.path|header|body/i);
  });
});

describe('one error shape from API Gateway', () => {
  const responses = () =>
    new Map(
      ofType(prod, 'AWS::ApiGateway::GatewayResponse').map(([, r]) => [
        r.Properties.ResponseType as string,
        r.Properties,
      ]),
    );

  it.each(Object.entries(GATEWAY_RESPONSES))(
    'answers %s with the problem shape and its headers',
    (type, code) => {
      const response = responses().get(type);
      if (!response) throw new Error(`no gateway response ${type}`);
      const status = PROBLEMS[code].status;
      expect(response.StatusCode).toBe(String(status));
      const body = JSON.parse(
        (response.ResponseTemplates as Record<string, string>)['application/json'] as string,
      );
      expect(body).toEqual({
        type: `urn:xid:problem:${code}`,
        title: PROBLEMS[code].title,
        status,
        code,
        instance: REQUEST_ID_VARIABLE,
      });
      const headers = response.ResponseParameters as Record<string, string>;
      expect(headers['gatewayresponse.header.Content-Type']).toBe("'application/problem+json'");
      expect(headers['gatewayresponse.header.Cache-Control']).toBe("'no-store'");
      expect(headers['gatewayresponse.header.Content-Security-Policy']).toBe(
        "'default-src \\'none\\'; frame-ancestors \\'none\\''",
      );
      expect(headers['gatewayresponse.header.WWW-Authenticate']).toBe(
        status === 401 ? "'Bearer'" : undefined,
      );
      const retryAfter =
        status === 429
          ? THROTTLED_RETRY_AFTER_SECONDS
          : status === 503
            ? DEPENDENCY_RETRY_AFTER_SECONDS
            : undefined;
      expect(headers['gatewayresponse.header.Retry-After']).toBe(
        retryAfter === undefined ? undefined : `'${retryAfter}'`,
      );
    },
  );

  it('answers a wrong method with 405, Allow, the security headers and the instance', () => {
    prod.templates.api.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'ANY',
      Integration: Match.objectLike({
        IntegrationResponses: [
          Match.objectLike({
            StatusCode: '405',
            ResponseTemplates: {
              'application/json': Match.stringLikeRegexp('"instance":"\\$context.requestId"'),
            },
            ResponseParameters: Match.objectLike({
              'method.response.header.Allow': Match.anyValue(),
              'method.response.header.X-Content-Type-Options': "'nosniff'",
            }),
          }),
        ],
      }),
    });
  });
});

describe('deployable by someone else', () => {
  it('refuses to synthesise prod without its account', () => {
    const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
    expect(() => addStage(app, stageConfig('prod'))).toThrow(/needs its AWS account/);
  });

  it('puts the API on its custom domain: certificate, TLS 1.2 regional domain, base path and alias record', () => {
    const api = prod.templates.api;
    api.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: DEPLOYER.apiDomain,
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: DEPLOYER.apiDomain, HostedZoneId: DEPLOYER.hostedZoneId }],
    });
    api.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: DEPLOYER.apiDomain,
      SecurityPolicy: 'TLS_1_2',
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
    api.resourceCountIs('AWS::ApiGateway::BasePathMapping', 1);
    api.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: `${DEPLOYER.apiDomain}.`,
      Type: 'A',
      HostedZoneId: DEPLOYER.hostedZoneId,
    });
    api.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ XID_PUBLIC_BASE_URL: `https://${DEPLOYER.apiDomain}` }) },
    });
  });

  it('has no domain resources where the stage names no domain', () => {
    for (const type of [
      'AWS::CertificateManager::Certificate',
      'AWS::ApiGateway::DomainName',
      'AWS::Route53::RecordSet',
    ])
      dev.templates.api.resourceCountIs(type, 0);
  });
});

describe('one notices key per stage', () => {
  it('lets publishers of other accounts use it only through SNS and only for the stage ingest topics', () => {
    prod.templates.stateful.hasResourceProperties('AWS::KMS::Key', {
      Description: Match.stringLikeRegexp('ingest and receipts topics'),
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'IngestPublishersThroughSns',
            Principal: { AWS: '*' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Condition: {
              StringEquals: { 'kms:ViaService': 'sns.ap-northeast-1.amazonaws.com' },
              StringLike: {
                'kms:EncryptionContext:aws:sns:topicArn':
                  'arn:aws:sns:ap-northeast-1:123456789012:xid-prod-ingest-*',
              },
            },
          }),
        ]),
      },
    });
    prod.templates.stateful.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/xid-prod-notices' });
  });

  it('lets the notices function publish receipts to the stage receipts topics, with that key through SNS', () => {
    const [[, policy] = []] = ofType(prod, 'AWS::IAM::Policy').filter(([id]) => id.startsWith('noticesRole'));
    const document = policy?.Properties.PolicyDocument as
      | { Statement: Record<string, unknown>[] }
      | undefined;
    const statements = document?.Statement ?? [];
    const publish = statements.find((s) => s.Action === 'sns:Publish');
    expect([publish?.Resource].flat()).toContain(
      'arn:aws:sns:ap-northeast-1:123456789012:xid-prod-receipts-*',
    );
    const key = statements.find((s) => JSON.stringify(s.Resource).includes('NoticesKey'));
    expect(key).toMatchObject({
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Condition: { StringEquals: { 'kms:ViaService': 'sns.ap-northeast-1.amazonaws.com' } },
    });
  });
});
