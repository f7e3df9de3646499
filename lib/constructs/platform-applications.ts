import { type CfnElement, CustomResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { type PlatformName, platformOf, resourceName } from '../../functions/shared/names.ts';
import { acknowledge } from '../acknowledge.ts';
import type { StageConfig } from '../config/stages.ts';
import { EVENT_FUNCTIONS } from '../event-functions.ts';
import { buildFunctions, type HouseFunction, type StatefulResources } from './house-function.ts';

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
    const stack = Stack.of(this);
    const built = buildFunctions(this, [EVENT_FUNCTIONS.platformApplications], {
      config,
      resources: props.resources,
    });
    this.handler = built.functions.platformApplications as HouseFunction;
    const provider = new Provider(this, 'Provider', {
      onEventHandler: this.handler,
      logGroup: new logs.LogGroup(this, 'ProviderLogs', {
        retention: config.logRetentionDays as logs.RetentionDays,
        removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      }),
    });
    acknowledge(provider, {
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
        'The CDK Provider framework function uses the AWS-managed basic execution role; it only writes its own logs',
      'AwsSolutions-L1':
        'The Provider framework function runtime is chosen by aws-cdk-lib, not by this project',
      'Serverless-LambdaLatestVersion':
        'The Provider framework function runtime is chosen by aws-cdk-lib, not by this project',
      'Serverless-LambdaDLQ':
        'The Provider framework is invoked synchronously by CloudFormation, which reports a failure itself',
      'Serverless-LambdaDefaultMemorySize': 'The Provider framework function is configured by aws-cdk-lib',
      'Serverless-LambdaDefaultTimeout': 'The Provider framework function is configured by aws-cdk-lib',
      'Serverless-LambdaTracing': 'The Provider framework function is configured by aws-cdk-lib',
      [`AwsSolutions-IAM5[Resource::<${stack.resolve(stack.getLogicalId(this.handler.node.defaultChild as CfnElement))}.Arn>:*]`]:
        'The Provider framework may invoke any version of its own onEvent function, and nothing else',
    });

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
