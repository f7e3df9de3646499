import { ArnFormat, type CfnElement, CustomResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledge } from '../acknowledge.ts';
import type { StageConfig } from '../config/stages.ts';
import { EVENT_FUNCTIONS } from '../functions.ts';
import { PLATFORM_APPLICATIONS, type PlatformName, resourceName } from '../resources.ts';
import { HouseFunction } from './house-function.ts';

export interface PlatformApplicationsProps {
  config: StageConfig;
  /** Receives the applications' endpoint events. */
  eventTopic: sns.ITopic;
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
    const { entry, handler, description } = EVENT_FUNCTIONS.platformApplications;
    this.handler = new HouseFunction(this, 'Handler', { entry, handler, config, description });
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
      [`AwsSolutions-IAM5[Resource::<${stack.resolve(stack.getLogicalId(this.handler.node.defaultChild as CfnElement))}.Arn>:*]`]:
        'The Provider framework may invoke any version of its own onEvent function, and nothing else',
    });

    const entries = Object.entries(config.push) as [
      PlatformName,
      { secretName: string; sandbox?: boolean },
    ][];
    for (const [name, credentials] of entries) {
      const platform = PLATFORM_APPLICATIONS[name].platforms[credentials.sandbox ? 'sandbox' : 'production'];
      const secretArn = stack.formatArn({
        service: 'secretsmanager',
        resource: 'secret',
        resourceName: `${credentials.secretName}-??????`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      this.handler.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secretArn] }),
      );
      const appName = resourceName(config.stage, name);
      this.handler.addToRolePolicy(
        new iam.PolicyStatement({
          actions: [
            'sns:CreatePlatformApplication',
            'sns:SetPlatformApplicationAttributes',
            'sns:DeletePlatformApplication',
          ],
          resources: [
            stack.formatArn({ service: 'sns', resource: 'app', resourceName: `${platform}/${appName}` }),
          ],
        }),
      );
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
