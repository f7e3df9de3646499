import { CustomResource } from 'aws-cdk-lib';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { type PlatformName, platformOf, resourceName } from '../../functions/shared/names.ts';
import type { StageConfig } from '../config/stages.ts';
import { EVENT_FUNCTIONS } from '../event-functions.ts';
import { buildFunctions, type HouseFunction, type StatefulResources } from './house-function.ts';
import { houseProvider } from './provider.ts';

export interface PlatformApplicationsProps {
  config: StageConfig;
  /** Receives the applications' endpoint events. */
  eventTopic: sns.ITopic;
  resources: StatefulResources;
}

/**
 * The SNS platform applications (APNs, FCM) of a stage, made by a custom resource because CloudFormation
 * has none. Only the stores the stage configures get an application; credentials are read from Secrets
 * Manager by name, at deployment, by the custom resource's function alone.
 */
export class PlatformApplications extends Construct {
  /** ARN of each configured platform application. */
  public readonly arns: Partial<Record<PlatformName, string>> = {};
  public readonly handler: HouseFunction;

  constructor(scope: Construct, id: string, props: PlatformApplicationsProps) {
    super(scope, id);
    const { config } = props;
    const built = buildFunctions(this, [EVENT_FUNCTIONS.platformApplications], {
      config,
      resources: props.resources,
    });
    this.handler = built.functions.platformApplications as HouseFunction;
    const provider = houseProvider(this, this.handler, config);

    const entries = Object.entries(config.push) as [
      PlatformName,
      { secretName: string; sandbox?: boolean },
    ][];
    for (const [name, credentials] of entries) {
      const platform = platformOf(name, credentials.sandbox);
      const appName = resourceName(config.stage, name);
      const resource = new CustomResource(this, name, {
        serviceToken: provider.serviceToken,
        resourceType: 'Custom::SnsPlatformApplication',
        properties: {
          Name: appName,
          Platform: platform,
          SecretName: credentials.secretName,
          Retain: String(config.retainData),
          EventTopicArn: props.eventTopic.topicArn,
        },
      });
      this.arns[name] = resource.getAttString('Arn');
    }
  }
}
