import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import {
  API_STAGE_NAME,
  AUTHORIZER_CACHE_SECONDS,
  apiName,
  BEARER_VALIDATION_REGEX,
  webAclMetricName,
} from '../../functions/shared/names.ts';
import { PROBLEMS } from '../../functions/shared/problems.ts';
import { acknowledge } from '../acknowledge.ts';
import type { StageConfig } from '../config/stages.ts';
import {
  GATEWAY_RESPONSES,
  gatewayHeaders,
  problemTemplate,
  WAF_RATE_LIMITED_BODY,
} from '../gateway-responses.ts';
import { type Route, WAF_GROUPS, WAF_OWN_RULE_ONLY, type WafGroup } from '../routes.ts';
import type { HouseFunction } from './house-function.ts';
import { accessLogFormat } from './observability.ts';

export interface XidRestApiProps {
  config: StageConfig;
  routes: readonly Route[];
  /** The function serving each route, by route id. */
  functions: Record<string, HouseFunction>;
  /** The TOKEN authorizer's function, for routes with `auth: 'resident'`. */
  authorizerFunction: HouseFunction;
}

/**
 * The public REST API: regional endpoint, JSON access logs, stage throttling, problem+json for everything
 * API Gateway answers itself (with `instance` and the headers the status calls for), 405 for a known path
 * with the wrong method, and a WAF web ACL with AWS managed rules, an API-wide per-IP rate rule and stricter
 * per-IP rate rules for the route groups that a stranger could abuse (proofs, challenges, mail). API Gateway
 * only sizes and routes: the handlers validate the bodies (see `gateway-responses.ts`).
 */
export class XidRestApi extends Construct {
  public readonly api: apigw.RestApi;
  public readonly accessLogs: logs.LogGroup;
  public readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: XidRestApiProps) {
    super(scope, id);
    const { config } = props;
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.api = new apigw.RestApi(this, 'Api', {
      restApiName: apiName(config.stage),
      description: `xID ${config.stage} API`,
      endpointTypes: [apigw.EndpointType.REGIONAL],
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: API_STAGE_NAME,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: accessLogFormat(),
        throttlingRateLimit: config.api.rateLimit,
        throttlingBurstLimit: config.api.burstLimit,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        // Bodies carry personal data and tokens: never log them.
        dataTraceEnabled: false,
      },
    });

    for (const [type, code] of Object.entries(GATEWAY_RESPONSES)) {
      this.api.addGatewayResponse(`Gateway${type}`, {
        type: apigw.ResponseType.of(type),
        statusCode: String(PROBLEMS[code].status),
        responseHeaders: quoted(gatewayHeaders(code)),
        templates: { 'application/json': problemTemplate(code) },
      });
    }

    // Results are cached per token (tokens live fifteen minutes, and the handler checks again).
    const authorizer = new apigw.TokenAuthorizer(this, 'Authorizer', {
      handler: props.authorizerFunction,
      identitySource: apigw.IdentitySource.header('Authorization'),
      validationRegex: BEARER_VALIDATION_REGEX,
      resultsCacheTtl: Duration.seconds(AUTHORIZER_CACHE_SECONDS),
    });

    const methodsByPath = new Map<string, string[]>();
    for (const route of props.routes) {
      const fn = props.functions[route.id];
      if (!fn) throw new Error(`No function for route ${route.id}`);
      const resource = this.api.root.resourceForPath(route.path);
      const method = resource.addMethod(route.method, new apigw.LambdaIntegration(fn, { proxy: true }), {
        operationName: route.id,
        ...(route.auth === 'resident'
          ? { authorizationType: apigw.AuthorizationType.CUSTOM, authorizer }
          : { authorizationType: apigw.AuthorizationType.NONE }),
      });
      if (route.auth === 'resident') {
        acknowledge(method, {
          'AwsSolutions-COG4':
            'Residents hold no Cognito identity: a Lambda TOKEN authorizer verifies KMS-signed ES256 access tokens',
        });
      }
      if (route.auth === 'public') {
        const reason = `${route.method} ${route.path} is public by design: ${route.description}`;
        acknowledge(method, { 'AwsSolutions-APIG4': reason, 'AwsSolutions-COG4': reason });
      }
      methodsByPath.set(route.path, [...(methodsByPath.get(route.path) ?? []), route.method]);
    }

    // A known path with another method: 405 with Allow, answered by API Gateway without a function.
    for (const [path, methods] of methodsByPath) {
      const headers = { ...gatewayHeaders('method_not_allowed'), Allow: [...methods].sort().join(', ') };
      const anyMethod = this.api.root.resourceForPath(path).addMethod(
        'ANY',
        new apigw.MockIntegration({
          passthroughBehavior: apigw.PassthroughBehavior.NEVER,
          requestTemplates: { 'application/json': '{"statusCode": 405}' },
          integrationResponses: [
            {
              statusCode: '405',
              responseTemplates: { 'application/json': problemTemplate('method_not_allowed') },
              responseParameters: prefixed('method.response.header.', quoted(headers)),
            },
          ],
        }),
        {
          methodResponses: [
            {
              statusCode: '405',
              responseParameters: prefixed(
                'method.response.header.',
                Object.fromEntries(Object.keys(headers).map((name) => [name, true])),
              ),
            },
          ],
        },
      );
      const reason = 'Mock integration that only answers 405; it reaches no function and no data';
      acknowledge(anyMethod, { 'AwsSolutions-APIG4': reason, 'AwsSolutions-COG4': reason });
    }

    // Per-route rules (`waf` in the route table): stricter limits where a stranger could try in bulk.
    const groupRules = WAF_GROUPS.flatMap((group, index) => {
      const paths = props.routes.filter((route) => route.waf === group).map((route) => route.path);
      return paths.length
        ? [
            rateRule(
              wafRuleName(group),
              // After the API-wide rule (0), before the managed rule groups (10 and on).
              1 + index,
              config.api.wafRoutesPer5MinutesPerIp[group],
              pathMatch(paths),
            ),
          ]
        : [];
    });
    // Sign in with xID's pages have only their own rule: the API-wide one leaves them out.
    const ownRuleOnly = props.routes.filter((route) => route.waf && WAF_OWN_RULE_ONLY.includes(route.waf));
    const everythingElse = ownRuleOnly.length
      ? { notStatement: { statement: pathMatch(ownRuleOnly.map((r) => r.path)) } }
      : undefined;

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: {
        cloudWatchMetricsEnabled: true,
        metricName: webAclMetricName(config.stage),
        sampledRequestsEnabled: true,
      },
      // What a rate rule answers: the problem document of `429 rate_limited` (WAF cannot send problem+json).
      customResponseBodies: {
        [RATE_LIMITED_BODY]: { contentType: 'APPLICATION_JSON', content: WAF_RATE_LIMITED_BODY },
      },
      rules: [
        rateRule('RateLimitPerIp', 0, config.api.wafRequestsPer5MinutesPerIp, everythingElse),
        ...groupRules,
        // Its 8 KB body limit would refuse registrations (a 4 KiB certificate in base64 plus the statement);
        // every route enforces its own, smaller or equal, limit instead.
        managedRule('AWSManagedRulesCommonRuleSet', 10, ['SizeRestrictions_BODY']),
        managedRule('AWSManagedRulesKnownBadInputsRuleSet', 11),
        managedRule('AWSManagedRulesAmazonIpReputationList', 12),
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.api.deploymentStage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });

    acknowledge(this.api, {
      'AwsSolutions-APIG2':
        'Bodies are validated by each handler against its zod schema, so that every refusal is one problem shape with field errors and malformed_json; API Gateway only sizes and routes',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]':
        'The account-level API Gateway CloudWatch role needs this AWS-managed policy to write access logs',
    });
  }
}

/**
 * Header values as API Gateway wants them in a mapping: single-quoted literals, a quote inside escaped with
 * a backslash (the Content-Security-Policy's `'none'`).
 */
function quoted(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, `'${value.replaceAll("'", "\\'")}'`]),
  );
}

function prefixed<T>(prefix: string, entries: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(entries).map(([name, value]) => [`${prefix}${name}`, value]));
}

const RATE_LIMITED_BODY = 'rateLimited';

/** The WAF rule (and metric) name of a route group's rate rule, e.g. `RateLimitPerIpProofs`. */
export const wafRuleName = (group: WafGroup) => `RateLimitPerIp${group[0]?.toUpperCase()}${group.slice(1)}`;

/**
 * A per-IP rate rule over 5 minutes, optionally only over the requests a scope-down statement matches;
 * beyond the limit it answers `429 rate_limited`.
 */
function rateRule(
  name: string,
  priority: number,
  limit: number,
  scopeDownStatement?: wafv2.CfnWebACL.StatementProperty,
): wafv2.CfnWebACL.RuleProperty {
  return {
    name,
    priority,
    action: { block: { customResponse: { responseCode: 429, customResponseBodyKey: RATE_LIMITED_BODY } } },
    statement: {
      rateBasedStatement: {
        limit,
        aggregateKeyType: 'IP',
        evaluationWindowSec: 300,
        ...(scopeDownStatement ? { scopeDownStatement } : {}),
      },
    },
    visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: true },
  };
}

/**
 * A regular expression for the URI path of route templates, with or without the stage's path segment in
 * front (`/live/v1/…` on the execute-api host, `/v1/…` on a custom domain); `{param}` is one segment.
 */
export function pathPattern(templates: readonly string[]): string {
  const alternatives = templates.map((t) =>
    t.replace(/[.+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+'),
  );
  return `^(/[^/]+)?(${alternatives.join('|')})$`;
}

function pathMatch(templates: readonly string[]): wafv2.CfnWebACL.StatementProperty {
  return {
    regexMatchStatement: {
      regexString: pathPattern(templates),
      fieldToMatch: { uriPath: {} },
      textTransformations: [{ priority: 0, type: 'NONE' }],
    },
  };
}

function managedRule(name: string, priority: number, countOnly: string[] = []): wafv2.CfnWebACL.RuleProperty {
  return {
    name,
    priority,
    overrideAction: { none: {} },
    statement: {
      managedRuleGroupStatement: {
        vendorName: 'AWS',
        name,
        ruleActionOverrides: countOnly.length
          ? countOnly.map((rule) => ({ name: rule, actionToUse: { count: {} } }))
          : undefined,
      },
    },
    visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: true },
  };
}
