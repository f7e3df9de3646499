import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type CfnElement, type Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROBLEMS } from '#functions/shared/problems';
import type { Bindings, FunctionSpec } from '#lib/bindings';
import { STAGES, stageConfig } from '#lib/config/stages';
import type { HouseFunction } from '#lib/constructs/house-function';
import { wafRuleName } from '#lib/constructs/rest-api';
import { EVENT_FUNCTIONS, type EventFunction } from '#lib/event-functions';
import { ROUTES, WAF_GROUPS, type WafGroup } from '#lib/routes';
import {
  actionsOf,
  allResources,
  allStatements,
  type Statement,
  type SynthesisedStage,
  synthStage,
} from './synth.ts';

const synthesised = new Map<string, SynthesisedStage>();
const stageOf = (name: string) => {
  const stage = synthesised.get(name);
  if (!stage) throw new Error(`stage ${name} was not synthesised`);
  return stage;
};

beforeAll(() => {
  for (const stage of STAGES) synthesised.set(stage, synthStage(stage));
});

describe.each(STAGES)('stage %s', (name) => {
  it('passes cdk-nag AwsSolutions and Serverless with nothing left unacknowledged', () => {
    // synthStage already threw if a rule failed; the report must also list no failing plugin.
    const report = JSON.parse(
      readFileSync(path.join(stageOf(name).outdir, 'validation-report.json'), 'utf8'),
    );
    const failures = report.pluginReports.filter((r: { conclusion: string }) => r.conclusion !== 'success');
    expect(failures).toEqual([]);
  });

  it('gives every acknowledgement a written reason, on a specific construct rather than a stack', () => {
    const acknowledgements: { path: string; id: string; reason: string; kind: string }[] = [];
    const visit = (construct: IConstruct) => {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          acknowledgements.push({ path: construct.node.path, id, reason, kind: construct.constructor.name });
        }
      }
      for (const child of construct.node.children) visit(child);
    };
    visit(stageOf(name).app);
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const ack of acknowledgements) {
      expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThanOrEqual(30);
      expect([
        'App',
        'StatefulStack',
        'ApiStack',
        'NoticesStack',
        'MailStack',
        'MonitoringStack',
      ]).not.toContain(ack.kind);
    }
  });

  it('encrypts the table with the customer-managed storage key and keeps point-in-time recovery', () => {
    const { stateful } = stageOf(name).templates;
    stateful.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      Replicas: [
        Match.objectLike({
          SSESpecification: {
            KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StorageKey'), 'Arn'] },
          },
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      ],
    });
  });

  it('encrypts every queue and topic at rest with a customer-managed key', () => {
    const stores = allResources(stageOf(name)).filter(
      ([, r]) => r.Type === 'AWS::SQS::Queue' || r.Type === 'AWS::SNS::Topic',
    );
    // Topics: push endpoint events, mail feedback, alarms. Queues: the dead letters of the async functions
    // (status check, notices, endpoint events, mail feedback, alarm chat) and of the alarm topic's subscriptions.
    expect(stores.map(([, r]) => r.Type).sort()).toEqual([
      'AWS::SNS::Topic',
      'AWS::SNS::Topic',
      'AWS::SNS::Topic',
      'AWS::SQS::Queue',
      'AWS::SQS::Queue',
      'AWS::SQS::Queue',
      'AWS::SQS::Queue',
      'AWS::SQS::Queue',
      'AWS::SQS::Queue',
    ]);
    for (const [id, resource] of stores) {
      expect(JSON.stringify(resource.Properties?.KmsMasterKeyId), id).toMatch(/StorageKey/);
    }
  });

  it('makes rotating symmetric keys for the data and for wrapping the token-signing keys, none asymmetric', () => {
    const { stateful } = stageOf(name).templates;
    stateful.hasResourceProperties('AWS::KMS::Key', {
      Description: Match.stringLikeRegexp('envelope encryption'),
      EnableKeyRotation: true,
    });
    stateful.hasResourceProperties('AWS::KMS::Key', {
      Description: Match.stringLikeRegexp('wraps the private keys that sign access tokens'),
      EnableKeyRotation: true,
    });
    // KMS signs no token (its asymmetric quota would throttle logins at peak, design.md §7): every key is
    // symmetric, for encryption or (the pairwise `sub` of Sign in with xID) HMAC.
    for (const [id, key] of allResources(stageOf(name)).filter(([, r]) => r.Type === 'AWS::KMS::Key')) {
      const usage = key.Properties?.KeyUsage ?? 'ENCRYPT_DECRYPT';
      const spec = key.Properties?.KeySpec ?? 'SYMMETRIC_DEFAULT';
      expect([usage, spec], id).toEqual(
        usage === 'GENERATE_VERIFY_MAC'
          ? ['GENERATE_VERIFY_MAC', 'HMAC_256']
          : ['ENCRYPT_DECRYPT', 'SYMMETRIC_DEFAULT'],
      );
    }
  });

  it('provisions the token-signing keys with a custom resource whose answer the token functions get', () => {
    const { api } = stageOf(name).templates;
    api.resourceCountIs('Custom::TokenKeys', 1);
    api.hasResourceProperties('Custom::TokenKeys', { Rotation: stageConfig(name).tokenKeyRotation });
    const functions = Object.values(api.findResources('AWS::Lambda::Function')).map(
      (fn) => fn.Properties.Environment?.Variables ?? {},
    );
    const signers = functions.filter((env) => env.XID_TOKEN_SIGNING_KEY);
    const verifiers = functions.filter((env) => env.XID_TOKEN_KEYS);
    // postActivation and postSession sign; every resident route, the JWKS and the authorizer verify.
    expect(signers).toHaveLength(ROUTES.filter((r) => r.binds.tokenKey === 'sign').length);
    expect(verifiers.length).toBe(
      ROUTES.filter((r) => r.binds.tokenKey).length + 1, // + the authorizer
    );
    for (const env of verifiers) expect(JSON.stringify(env.XID_TOKEN_KEYS)).toContain('PublicKeys');
  });

  it('makes an HMAC key for pairwise subs, which only the decision route may use, to make MACs', () => {
    const stage = stageOf(name);
    stage.templates.stateful.hasResourceProperties('AWS::KMS::Key', {
      KeySpec: 'HMAC_256',
      KeyUsage: 'GENERATE_VERIFY_MAC',
    });
    const users = allStatements(stage).filter((s) => JSON.stringify(s.Resource).includes('PairwiseKey'));
    expect(users.flatMap(actionsOf)).toEqual(['kms:GenerateMac']);
    expect(ROUTES.filter((r) => r.binds.pairwiseKey).map((r) => r.id)).toEqual(['postAuthorizationDecision']);
  });

  it("gives Sign in with xID's public pages WAF rate rules of their own, outside the API-wide one", () => {
    const { api } = stageOf(name).templates;
    const config = stageConfig(name);
    const [acl] = Object.values(api.findResources('AWS::WAFv2::WebACL'));
    const rules = acl?.Properties.Rules as {
      Name: string;
      Statement: { RateBasedStatement: { Limit: number; ScopeDownStatement?: Record<string, never> } };
    }[];
    const byName = Object.fromEntries(rules.map((r) => [r.Name, r.Statement.RateBasedStatement]));
    expect(byName.RateLimitPerIpSignInPages?.Limit).toBe(config.api.wafRoutesPer5MinutesPerIp.signInPages);
    expect(byName.RateLimitPerIpLoginHint?.Limit).toBe(config.api.wafRoutesPer5MinutesPerIp.loginHint);
    expect(JSON.stringify(byName.RateLimitPerIpLoginHint?.ScopeDownStatement)).toContain('login-hint');
    expect(byName.RateLimitPerIp?.ScopeDownStatement).toHaveProperty('NotStatement');
  });

  it('makes an HMAC key for challenges, which only the challenge functions may use, for GenerateMac only', () => {
    const stage = stageOf(name);
    stage.templates.stateful.hasResourceProperties('AWS::KMS::Key', {
      KeySpec: 'HMAC_256',
      KeyUsage: 'GENERATE_VERIFY_MAC',
    });
    const users = ROUTES.filter((route) => route.binds.challengeKey).map((route) => route.id);
    expect(users.sort()).toEqual([
      'postRecovery',
      'postRegistration',
      'postRegistrationChallenge',
      'postSession',
      'postSessionChallenge',
    ]);
    for (const statement of allStatements(stage)) {
      if (!actionsOf(statement).includes('kms:GenerateMac')) continue;
      // The pairwise key of Sign in with xID is the other HMAC key (its own test above).
      if (JSON.stringify(statement.Resource).includes('PairwiseKey')) continue;
      expect(statement.Action).toBe('kms:GenerateMac');
      expect(JSON.stringify(statement.Resource)).toMatch(/ChallengeKey/);
      expect(statement.Condition).toEqual({ StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' } });
    }
  });

  it('has no IAM statement whose actions contain a wildcard', () => {
    for (const statement of allStatements(stageOf(name))) {
      for (const action of actionsOf(statement)) expect(action).not.toContain('*');
    }
  });

  it('runs every function on Node.js 22, arm64, with active tracing and JSON logs kept for the stage', () => {
    const stage = stageOf(name);
    const functions = allResources(stage).filter(
      ([id, r]) => r.Type === 'AWS::Lambda::Function' && !id.includes('framework'),
    );
    expect(functions.length).toBeGreaterThanOrEqual(ROUTES.length + Object.keys(EVENT_FUNCTIONS).length);
    for (const [id, fn] of functions) {
      expect(fn.Properties, id).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON' },
      });
    }
    const logGroups = allResources(stage).filter(([, r]) => r.Type === 'AWS::Logs::LogGroup');
    expect(logGroups.length).toBeGreaterThanOrEqual(functions.length);
    for (const [id, group] of logGroups)
      expect(group.Properties?.RetentionInDays, id).toBe(expectedRetention(name));
  });

  it.each([
    ...ROUTES.map((route) => ['route', route] as const),
    ...Object.values(EVENT_FUNCTIONS).map((fn) => ['event function', fn] as const),
  ])('gives the %s %s only what it binds, plus its own logs, traces and dead letters', (_, spec) => {
    const stage = stageOf(name);
    const { fn, stack } = functionOf(stage, spec);
    const role = fn.role;
    if (!role) throw new Error(`${spec.id} has no role`);
    const roleId = stack.resolve((role.node.defaultChild as CfnElement).logicalId);
    const template = Template.fromStack(stack).toJSON() as {
      Resources: Record<string, { Type: string; Properties: never }>;
    };
    const actions = new Set<string>();
    for (const resource of Object.values(template.Resources)) {
      const props = resource.Properties as {
        Roles?: { Ref: string }[];
        PolicyDocument?: { Statement: never[] };
      };
      if (resource.Type === 'AWS::IAM::Policy' && props.Roles?.some((r) => r.Ref === roleId)) {
        for (const statement of props.PolicyDocument?.Statement ?? [])
          for (const a of actionsOf(statement)) actions.add(a);
      }
    }
    expect([...actions].sort(), spec.id).toEqual(expectedActions(spec, name).sort());
  });

  it('fronts the API with access logs, throttling, tracing and a rate-limiting WAF, and validates no bodies', () => {
    const { api } = stageOf(name).templates;
    api.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      TracingEnabled: true,
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          ThrottlingRateLimit: Match.anyValue(),
          ThrottlingBurstLimit: Match.anyValue(),
          DataTraceEnabled: false,
        }),
      ]),
    });
    // One error shape: the handlers validate bodies (field errors, malformed_json); API Gateway does not.
    api.resourceCountIs('AWS::ApiGateway::Model', 0);
    api.resourceCountIs('AWS::ApiGateway::RequestValidator', 0);
    api.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      Rules: Match.arrayWith([
        Match.objectLike({
          Action: { Block: {} },
          Statement: { RateBasedStatement: { AggregateKeyType: 'IP', Limit: Match.anyValue() } },
        }),
      ]),
    });
    api.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
  });

  it('limits each abusable route group per client address, answering 429 rate_limited', () => {
    const config = stageConfig(name);
    const acl = Object.values(stageOf(name).templates.api.findResources('AWS::WAFv2::WebACL'))[0] as {
      Properties: {
        Rules: {
          Name: string;
          Priority: number;
          Action: { Block: { CustomResponse: { ResponseCode: number; CustomResponseBodyKey: string } } };
          Statement: {
            RateBasedStatement: {
              Limit: number;
              AggregateKeyType: string;
              EvaluationWindowSec: number;
              ScopeDownStatement?: { RegexMatchStatement: { RegexString: string } };
            };
          };
        }[];
        CustomResponseBodies: Record<string, { ContentType: string; Content: string }>;
      };
    };
    const { Rules, CustomResponseBodies } = acl.Properties;
    const rateRules = Rules.filter((rule) => rule.Statement.RateBasedStatement);
    expect(rateRules.map((rule) => rule.Name).sort()).toEqual(
      ['RateLimitPerIp', ...WAF_GROUPS.map(wafRuleName)].sort(),
    );
    expect(new Set(Rules.map((rule) => rule.Priority)).size).toBe(Rules.length);
    const sample = (path: string) => path.replace(/\{\w+\}/g, '6b1d2c4e-0000-4000-8000-000000000001');
    for (const rule of rateRules) {
      const body = CustomResponseBodies[rule.Action.Block.CustomResponse.CustomResponseBodyKey];
      expect(rule.Action.Block.CustomResponse.ResponseCode).toBe(429);
      expect(JSON.parse(body?.Content ?? '{}')).toMatchObject({ status: 429, code: 'rate_limited' });
      const { RateBasedStatement: rate } = rule.Statement;
      expect([rate.AggregateKeyType, rate.EvaluationWindowSec]).toEqual(['IP', 300]);
      if (rule.Name === 'RateLimitPerIp') {
        // Everything but Sign in with xID's pages, which have only their own rules.
        expect(rate.Limit).toBe(config.api.wafRequestsPer5MinutesPerIp);
        expect(rate.ScopeDownStatement).toHaveProperty('NotStatement');
        continue;
      }
      const group = WAF_GROUPS.find((g) => wafRuleName(g) === rule.Name) as WafGroup;
      expect(rate.Limit).toBe(config.api.wafRoutesPer5MinutesPerIp[group]);
      const regex = new RegExp(rate.ScopeDownStatement?.RegexMatchStatement.RegexString ?? '^$');
      for (const route of ROUTES) {
        const inGroup = route.waf === group;
        for (const path of [sample(route.path), `/live${sample(route.path)}`])
          expect([route.id, path, regex.test(path)]).toEqual([route.id, path, inGroup]);
      }
      expect(regex.test('/live/v1/accounts/a/b/activation')).toBe(false);
    }
  });

  it('names the device endpoints of this stage’s own applications, exactly, in every grant on them', () => {
    const config = stageConfig(name);
    const expected = [
      `arn:aws:sns:ap-northeast-1:123456789012:endpoint/${config.push.apns?.sandbox ? 'APNS_SANDBOX' : 'APNS'}/xid-${name}-apns/*`,
      `arn:aws:sns:ap-northeast-1:123456789012:endpoint/GCM/xid-${name}-fcm/*`,
    ];
    const grants = allStatements(stageOf(name)).filter((s) =>
      JSON.stringify(s.Resource).includes(':endpoint/'),
    );
    // Routes that register devices read and update endpoints; event functions that push (the status check)
    // publish to them.
    const registering = ROUTES.filter((route) => route.binds.push).length;
    const pushing =
      Object.values(EVENT_FUNCTIONS).filter((fn) => (fn.binds as Bindings).devicePush).length +
      ROUTES.filter((route) => route.binds.devicePush).length;
    expect(grants.length).toBe(registering + pushing);
    const actions = grants.map((grant) => actionsOf(grant).sort().join(','));
    expect(
      actions.filter((a) => a === 'sns:DeleteEndpoint,sns:GetEndpointAttributes,sns:SetEndpointAttributes'),
    ).toHaveLength(registering);
    expect(actions.filter((a) => a === 'sns:Publish')).toHaveLength(pushing);
    for (const grant of grants) expect(grant.Resource).toEqual(expected);
  });

  it('lets the e-mail link do exactly GetItem, UpdateItem and PutItem, on links’, accounts’ and the hint index’s items only', () => {
    const stage = stageOf(name);
    const route = ROUTES.find((r) => r.id === 'getEmailVerification') as FunctionSpec;
    expect(route.binds).toEqual({ emailVerification: true });
    const statements = statementsOfFunction(stage, route);
    const table = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(table).toHaveLength(1);
    expect(actionsOf(table[0] as Statement).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect(table[0]?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['EMAILTOKEN#*', 'ACCOUNT#*', 'EMAILIDX#*'] },
    });
    expect(JSON.stringify(table[0]?.Resource)).toMatch(
      /MainArn|TableArn|Main[0-9A-F]+Arn|Fn::GetStackOutput/,
    );
    expect(JSON.stringify(table[0]?.Resource)).not.toContain('index');
  });

  it('uses the storage key only through the service it encrypts for: every grant on it has kms:ViaService', () => {
    const stage = stageOf(name);
    const onStorageKey = allStatements(stage).filter((s) =>
      JSON.stringify(s.Resource).includes('StorageKey'),
    );
    expect(onStorageKey.length).toBeGreaterThan(ROUTES.length);
    const services = new Set<string>();
    for (const statement of onStorageKey) {
      const via = (statement.Condition as { StringEquals?: Record<string, string> } | undefined)
        ?.StringEquals?.['kms:ViaService'];
      expect([actionsOf(statement), via]).toEqual([
        actionsOf(statement),
        expect.stringMatching(/^(dynamodb|sns|sqs)\.ap-northeast-1\.amazonaws\.com$/),
      ]);
      services.add(String(via).split('.')[0] as string);
    }
    // DynamoDB (the table), SNS (publishing to the push topics), SQS (failures to the dead-letter queues).
    expect([...services].sort()).toEqual(['dynamodb', 'sns', 'sqs']);
  });

  it('lets the notices function publish only to the push topics of this stage, their key only through SNS', () => {
    const stage = stageOf(name);
    const role = stage.stacks.notices.functions.notices?.role;
    if (!role) throw new Error('no role');
    const roleId = stage.stacks.notices.resolve((role.node.defaultChild as CfnElement).logicalId);
    const template = stage.templates.notices.toJSON() as {
      Resources: Record<string, { Type: string; Properties: never }>;
    };
    const statements = Object.values(template.Resources).flatMap((resource) => {
      const props = resource.Properties as {
        Roles?: { Ref: string }[];
        PolicyDocument?: { Statement: Statement[] };
      };
      return resource.Type === 'AWS::IAM::Policy' && props.Roles?.some((r) => r.Ref === roleId)
        ? (props.PolicyDocument?.Statement ?? [])
        : [];
    });
    const publish = statements.find((s) => actionsOf(s).includes('sns:Publish'));
    expect(JSON.stringify(publish?.Resource)).toMatch(new RegExp(`xid-${name}-push-\\*`));
    const topicKey = statements.find(
      (s) => actionsOf(s).includes('kms:GenerateDataKey') && JSON.stringify(s.Condition).includes('sns.'),
    );
    expect(topicKey?.Condition).toEqual({
      StringEquals: { 'kms:ViaService': 'sns.ap-northeast-1.amazonaws.com' },
    });
  });

  it('sends what an asynchronously invoked function could not process to its own alarmed dead-letter queue', () => {
    const stage = stageOf(name);
    const asyncFunctions = Object.values(EVENT_FUNCTIONS).filter((fn) => fn.invocation === 'async');
    expect(asyncFunctions.map((fn) => fn.id).sort()).toEqual([
      'alarmChat',
      'endpointEvents',
      'mailFeedback',
      'notices',
      'statusCheck',
    ]);
    for (const spec of asyncFunctions) {
      const { stack } = functionOf(stage, spec);
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmDescription: Match.stringLikeRegexp(`dead-letter queue: ${spec.id}:`),
        Threshold: 1,
      });
    }
    // What SNS itself cannot deliver to the feedback and endpoint-events functions is kept too.
    for (const template of [stage.templates.notices, stage.templates.mail]) {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'lambda',
        RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
      });
    }
  });

  it('runs the status check on the stage schedule, for up to 15 minutes, with the CRLs at most maxCrlAgeHours old', () => {
    const stage = stageOf(name);
    const minutes = stageConfig(name).statusCheck.intervalMinutes;
    stage.templates.api.hasResourceProperties('AWS::Events::Rule', {
      // CDK writes whole hours as hours.
      ScheduleExpression:
        minutes % 60 === 0
          ? `rate(${minutes / 60} ${minutes === 60 ? 'hour' : 'hours'})`
          : `rate(${minutes} minutes)`,
      State: 'ENABLED',
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
    stage.templates.api.hasResourceProperties('AWS::Lambda::Function', {
      Description: EVENT_FUNCTIONS.statusCheck.description,
      Timeout: 900,
      MemorySize: 1024,
      Environment: {
        Variables: Match.objectLike({
          XID_MAX_CRL_AGE_HOURS: String(stageConfig(name).jpki.maxCrlAgeHours),
          XID_CRL_SOURCES: Match.anyValue(),
        }),
      },
    });
  });

  it('puts CloudFront in front of the public notices path only, keyed on the municipality, limit and cursor', () => {
    const { api } = stageOf(name).templates;
    api.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        DefaultTTL: 30,
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          QueryStringsConfig: { QueryStringBehavior: 'whitelist', QueryStrings: ['limit', 'cursor'] },
          HeadersConfig: { HeaderBehavior: 'none' },
          CookiesConfig: { CookieBehavior: 'none' },
        }),
      }),
    });
    api.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({
          AllowedMethods: ['GET', 'HEAD'],
          ViewerProtocolPolicy: 'https-only',
          FunctionAssociations: [Match.objectLike({ EventType: 'viewer-request' })],
        }),
      }),
    });
    const [fn] = Object.values(api.findResources('AWS::CloudFront::Function'));
    // The edge function itself, run as CloudFront runs it: the notices path goes on, anything else is
    // API Gateway's 404 problem with the edge's request id as its instance.
    const handler = new Function(`${String(fn?.Properties.FunctionCode)}; return handler;`)() as (event: {
      request: { uri: string };
      context: { requestId: string };
    }) => { statusCode?: number; body?: { data: string } };
    const request = { uri: '/v1/municipalities/131091/notices' };
    expect(handler({ request, context: { requestId: 'edge-1' } })).toBe(request);
    const refused = handler({ request: { uri: '/v1/me' }, context: { requestId: 'edge-2' } });
    expect(refused.statusCode).toBe(404);
    expect(JSON.parse(refused.body?.data ?? '')).toEqual({
      type: 'urn:xid:problem:not_found',
      title: PROBLEMS.not_found.title,
      status: 404,
      code: 'not_found',
      instance: 'edge-2',
    });
  });

  it('guards the resident routes with the cached TOKEN authorizer, and only those', () => {
    const { api } = stageOf(name).templates;
    api.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'TOKEN',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 300,
    });
    const methods = api.findResources('AWS::ApiGateway::Method');
    const custom = Object.values(methods).filter((m) => m.Properties.AuthorizationType === 'CUSTOM');
    expect(custom.map((m) => m.Properties.OperationName).sort()).toEqual(
      ROUTES.filter((r) => r.auth === 'resident')
        .map((r) => r.id)
        .sort(),
    );
  });

  it('answers unknown paths and wrong methods with problem+json from API Gateway itself', () => {
    const { api } = stageOf(name).templates;
    api.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'MISSING_AUTHENTICATION_TOKEN',
      StatusCode: '404',
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"code":"not_found"') },
    });
    api.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'ANY',
      Integration: Match.objectLike({
        Type: 'MOCK',
        IntegrationResponses: [Match.objectLike({ StatusCode: '405' })],
      }),
    });
  });

  it('defines the mail identity and a TLS-only configuration set, and push apps without any credential', () => {
    const { stateful } = stageOf(name).templates;
    stateful.resourceCountIs('AWS::SES::EmailIdentity', 1);
    stateful.hasResourceProperties('AWS::SES::ConfigurationSet', {
      DeliveryOptions: { TlsPolicy: 'REQUIRE' },
    });
    stateful.resourceCountIs('Custom::SnsPlatformApplication', 2);
    stateful.hasResourceProperties('Custom::SnsPlatformApplication', {
      Platform: 'GCM',
      SecretName: `xid/${name}/fcm`,
    });
    expect(JSON.stringify(stateful.toJSON())).not.toMatch(/PRIVATE KEY|signingKey|serviceAccount/);
  });
});

describe('cdk-nag', () => {
  it('is really checking these stacks: an unencrypted, non-TLS queue added to a stage fails synthesis', () => {
    expect(() =>
      synthStage('dev', {}, (stacks) => {
        new sqs.Queue(stacks.notices, 'Careless', { encryption: sqs.QueueEncryption.UNENCRYPTED });
      }),
    ).toThrow(/AwsSolutions-SQS2/);
  });

  it('runs the Serverless pack too: an SNS subscription without a redrive policy fails synthesis', () => {
    expect(() =>
      synthStage('dev', {}, (stacks) => {
        const topic = new sns.Topic(stacks.notices, 'Careless', {
          enforceSSL: true,
          masterKey: stacks.stateful.storageKey,
        });
        topic.addSubscription(new subscriptions.EmailSubscription('ops@example.jp'));
      }),
    ).toThrow(/Serverless-SNSRedrivePolicy/);
  });
});

describe('retention', () => {
  it('retains and protects stateful resources in prod', () => {
    const { stateful } = stageOf('prod').templates;
    stateful.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })],
      }),
    });
    for (const [id, resource] of allResources(stageOf('prod'))) {
      if (resource.Type === 'AWS::KMS::Key') expect(resource.DeletionPolicy, id).toBe('Retain');
    }
    expect(stageOf('prod').stacks.stateful.terminationProtection).toBe(true);
  });

  it('lets a dev stage be deleted whole', () => {
    const { stateful } = stageOf('dev').templates;
    stateful.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
    for (const [id, resource] of allResources(stageOf('dev'))) {
      if (resource.Type === 'AWS::KMS::Key') expect(resource.DeletionPolicy, id).toBe('Delete');
    }
  });
});

function expectedRetention(stage: string): number {
  return { local: 7, dev: 30, staging: 30, prod: 365 }[stage] ?? -1;
}

/** The IAM statements of one function's role. */
function statementsOfFunction(stage: SynthesisedStage, spec: FunctionSpec): Statement[] {
  const { fn, stack } = functionOf(stage, spec);
  const roleId = stack.resolve(((fn.role as IRoleWithChild).node.defaultChild as CfnElement).logicalId);
  const template = Template.fromStack(stack).toJSON() as {
    Resources: Record<
      string,
      { Type: string; Properties: { Roles?: { Ref: string }[]; PolicyDocument?: { Statement: Statement[] } } }
    >;
  };
  return Object.values(template.Resources).flatMap((resource) =>
    resource.Type === 'AWS::IAM::Policy' && resource.Properties.Roles?.some((r) => r.Ref === roleId)
      ? (resource.Properties.PolicyDocument?.Statement ?? [])
      : [],
  );
}
type IRoleWithChild = { node: { defaultChild: unknown } };

/** The function built for a catalogue entry, and the stack it is in. */
function functionOf(stage: SynthesisedStage, spec: FunctionSpec): { fn: HouseFunction; stack: Stack } {
  const { stacks } = stage;
  if (!('stack' in spec)) return { fn: stacks.api.functions[spec.id] as HouseFunction, stack: stacks.api };
  const where = (spec as EventFunction).stack;
  const fn =
    where === 'stateful'
      ? stacks.stateful.platformApplications.handler
      : where === 'api'
        ? spec.id === 'tokenKeys'
          ? stacks.api.tokenKeys.handler
          : stacks.api.eventFunctions[spec.id]
        : stacks[where].functions[spec.id];
  if (!fn) throw new Error(`no function for ${spec.id}`);
  return { fn, stack: stacks[where] };
}

/** What a function's bindings should allow, written out independently of the construct that grants it. */
function expectedActions(spec: FunctionSpec, stage: string): string[] {
  const binds = spec.binds;
  const actions = [
    'logs:CreateLogStream',
    'logs:PutLogEvents',
    'xray:PutTraceSegments',
    'xray:PutTelemetryRecords',
  ];
  if (spec.invocation === 'async') actions.push('sqs:SendMessage', 'kms:GenerateDataKey', 'kms:Decrypt');
  if (binds.table) {
    const read = [
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
      'dynamodb:ConditionCheckItem',
    ];
    const write = [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:ConditionCheckItem',
    ];
    const table = binds.table === 'read' ? read : binds.table === 'write' ? write : [...read, ...write];
    actions.push(...table, 'kms:Decrypt', 'kms:DescribeKey');
    if (binds.table !== 'read') actions.push('kms:Encrypt', 'kms:GenerateDataKey');
  }
  if (binds.emailVerification) {
    actions.push(
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:Encrypt',
      'kms:GenerateDataKey',
    );
  }
  if (binds.dataKey === 'encrypt' || binds.dataKey === 'encryptDecrypt') actions.push('kms:GenerateDataKey');
  if (binds.dataKey === 'decrypt' || binds.dataKey === 'encryptDecrypt') actions.push('kms:Decrypt');
  // Verifiers need nothing (their keys are in the environment); signers unwrap the signing key; the custom
  // resource keeps the key-set item (through the table's storage key) and wraps new keys.
  if (binds.tokenKey === 'sign') actions.push('kms:Decrypt');
  if (binds.tokenKey === 'provision')
    actions.push(
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:Encrypt',
      'kms:GenerateDataKey',
    );
  if (binds.publicNotices) actions.push('dynamodb:Query', 'kms:Decrypt', 'kms:DescribeKey');
  if (binds.challengeKey) actions.push('kms:GenerateMac');
  if (binds.mail) actions.push('ses:SendEmail');
  if (binds.devicePush) actions.push('sns:Publish');
  if (binds.pairwiseKey) actions.push('kms:GenerateMac');
  if (binds.push) {
    actions.push(
      'sns:CreatePlatformEndpoint',
      'sns:GetEndpointAttributes',
      'sns:SetEndpointAttributes',
      'sns:DeleteEndpoint',
      'sns:CreateTopic',
      'sns:TagResource',
      'sns:Subscribe',
      'sns:Unsubscribe',
    );
  }
  if (binds.pushTopics === 'publish') actions.push('sns:Publish', 'kms:GenerateDataKey', 'kms:Decrypt');
  if (binds.pushTopics === 'unsubscribe') actions.push('sns:Unsubscribe');
  if (binds.receipts === 'publish') actions.push('sns:Publish', 'kms:GenerateDataKey', 'kms:Decrypt');
  if (binds.chatWebhook && stageConfig(stage).alarms.chatWebhookSecretName) {
    actions.push('secretsmanager:GetSecretValue');
  }
  if (binds.platformApplications) {
    actions.push(
      'secretsmanager:GetSecretValue',
      'sns:CreatePlatformApplication',
      'sns:SetPlatformApplicationAttributes',
      'sns:DeletePlatformApplication',
    );
  }
  const trust = stageConfig(stage).jpki;
  if (binds.jpki && [...trust.trustAnchors, ...trust.crlSources].some((s) => !s.startsWith('https://'))) {
    actions.push('s3:GetObject');
    if (trust.crlSources.some((s) => s.endsWith('/'))) actions.push('s3:ListBucket');
  }
  const { linkageSources } = stageConfig(stage).reverification;
  if (binds.linkage && linkageSources.some((s) => !s.startsWith('https://'))) actions.push('s3:GetObject');
  return [...new Set(actions)];
}
