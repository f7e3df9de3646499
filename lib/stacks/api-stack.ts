import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stages.ts';
import { ApiDomain } from '../constructs/api-domain.ts';
import { buildFunctions, type HouseFunction, type StatefulResources } from '../constructs/house-function.ts';
import { NoticesCdn } from '../constructs/notices-cdn.ts';
import { XidRestApi } from '../constructs/rest-api.ts';
import { StatusCheckSchedule } from '../constructs/status-check.ts';
import { TokenKeys } from '../constructs/token-keys.ts';
import { eventFunctionsOf } from '../event-functions.ts';
import type { Route } from '../routes.ts';

export interface ApiStackProps extends StackProps {
  config: StageConfig;
  routes: readonly Route[];
  resources: StatefulResources;
}

/**
 * The stateless front: one function per route of the route table, each bound only to what its route
 * declares, the authorizer, the REST API in front of them, and the scheduled status check (現況確認).
 * Safe to destroy and redeploy at any time.
 */
export class ApiStack extends Stack {
  public readonly functions: Record<string, HouseFunction>;
  public readonly restApi: XidRestApi;
  public readonly authorizer: HouseFunction;
  /** The event functions this stack builds (`eventFunctionsOf('api')`), by id. */
  public readonly eventFunctions: Record<string, HouseFunction>;
  /** The status check (現況確認) and its schedule. */
  public readonly statusCheck: HouseFunction;
  public readonly statusCheckSchedule: StatusCheckSchedule;
  /** The custom domain, when the stage configures one. */
  public readonly domain?: ApiDomain;
  /** The token-signing keys, handed to this stack's functions with every deployment. */
  public readonly tokenKeys: TokenKeys;
  /** CloudFront in front of the public notices path. */
  public readonly noticesCdn: NoticesCdn;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.tokenKeys = new TokenKeys(this, 'TokenKeys', { config, resources: props.resources });
    const resources = { ...props.resources, tokenKeys: this.tokenKeys.attributes };
    this.functions = buildFunctions(this, props.routes, {
      config,
      resources,
      describe: (spec) => {
        const route = spec as Route;
        return `${route.method} ${route.path}: ${route.description}`;
      },
    }).functions;
    // The token-keys function is the custom resource's, built above by TokenKeys.
    const events = buildFunctions(
      this,
      eventFunctionsOf('api').filter((fn) => fn.id !== 'tokenKeys'),
      { config, resources },
    ).functions;
    this.eventFunctions = events;
    this.authorizer = events.authorizer as HouseFunction;
    this.statusCheck = events.statusCheck as HouseFunction;
    this.statusCheckSchedule = new StatusCheckSchedule(this, 'StatusCheckSchedule', {
      config,
      target: this.statusCheck,
    });
    this.restApi = new XidRestApi(this, 'RestApi', {
      config,
      routes: props.routes,
      functions: this.functions,
      authorizerFunction: this.authorizer,
    });
    if (config.api.domain) {
      this.domain = new ApiDomain(this, 'Domain', { domain: config.api.domain, api: this.restApi.api });
      new CfnOutput(this, 'PublicUrl', {
        value: config.publicBaseUrl ?? `https://${config.api.domain.name}`,
        description: 'Base URL of the API on its custom domain',
      });
    }
    new CfnOutput(this, 'ApiUrl', { value: this.restApi.api.url, description: 'Base URL of the API' });
    this.noticesCdn = new NoticesCdn(this, 'NoticesCdn', { api: this.restApi.api });
  }
}
