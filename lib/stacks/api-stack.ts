import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { acknowledgeWildcardResource } from '../acknowledge.ts';
import type { StageConfig } from '../config/stages.ts';
import { HouseFunction } from '../constructs/house-function.ts';
import { MailFeedback } from '../constructs/mail-feedback.ts';
import { XidRestApi } from '../constructs/rest-api.ts';
import { EVENT_FUNCTIONS } from '../functions.ts';
import { pushPlatformKeys, topicPrefixOf } from '../resources.ts';
import type { Route } from '../routes.ts';
import type { StatefulStack } from './stateful-stack.ts';

export interface ApiStackProps extends StackProps {
  config: StageConfig;
  routes: readonly Route[];
  stateful: StatefulStack;
}

/**
 * The stateless front: one function per route of the route table, each bound only to what its route
 * declares, and the REST API in front of them. Safe to destroy and redeploy at any time.
 */
export class ApiStack extends Stack {
  public readonly functions: Record<string, HouseFunction> = {};
  public readonly restApi: XidRestApi;
  public readonly authorizer: HouseFunction;
  public readonly mailFeedback: MailFeedback;
  public readonly endpointEvents: HouseFunction;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;
    const keys = pushPlatformKeys(config.push);
    const applications = Object.fromEntries(
      Object.entries(stateful.platformApplications.arns).map(([name, arn]) => [
        keys[name as keyof typeof keys],
        arn,
      ]),
    ) as Record<string, string>;
    for (const route of props.routes) {
      const fn = new HouseFunction(this, route.id, {
        entry: route.entry,
        handler: route.handler,
        config,
        description: `${route.method} ${route.path}: ${route.description}`,
        assets: route.assets,
      });
      const { table, dataKey, tokenKey, mail, jpki, push } = route.binds;
      if (table) fn.bindTable(stateful.table, table);
      if (dataKey) fn.bindDataKey(stateful.dataKey, dataKey);
      if (tokenKey) fn.bindTokenKey(stateful.tokenKey, tokenKey);
      if (mail) fn.bindMail(stateful.mailIdentity, stateful.configurationSet, config.mail.fromAddress);
      if (jpki) fn.bindJpki(stateful.trustBucket, config.jpki, config.allowTestTrustAnchors);
      if (push) fn.bindPush(applications, topicPrefixOf(this, config.stage), stateful.storageKey);
      this.functions[route.id] = fn;
    }
    const { entry, handler, description } = EVENT_FUNCTIONS.authorizer;
    this.authorizer = new HouseFunction(this, 'Authorizer', {
      entry,
      handler,
      config,
      description,
    }).bindTokenKey(stateful.tokenKey, 'verify');
    this.restApi = new XidRestApi(this, 'RestApi', {
      config,
      routes: props.routes,
      functions: this.functions,
      authorizerFunction: this.authorizer,
    });
    this.mailFeedback = new MailFeedback(this, 'MailFeedback', {
      config,
      configurationSet: stateful.configurationSet,
      table: stateful.table,
      key: stateful.storageKey,
    });
    const events = EVENT_FUNCTIONS.endpointEvents;
    this.endpointEvents = new HouseFunction(this, 'EndpointEvents', {
      entry: events.entry,
      handler: events.handler,
      description: events.description,
      config,
    }).bindTable(stateful.table, 'readWrite');
    const topicPrefix = topicPrefixOf(this, config.stage);
    this.endpointEvents.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['sns:Unsubscribe'], resources: [`${topicPrefix}-push-*`] }),
    );
    acknowledgeWildcardResource(
      this.endpointEvents.role as iam.IRole,
      `${topicPrefix}-push-*`,
      'Subscriptions to the per-municipality push topics are made at run time; the pattern limits them to this stage',
    );
    stateful.pushEvents.addSubscription(new subscriptions.LambdaSubscription(this.endpointEvents));
    new CfnOutput(this, 'ApiUrl', { value: this.restApi.api.url, description: 'Base URL of the API' });
  }
}
