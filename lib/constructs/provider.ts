import { type CfnElement, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Provider } from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { acknowledge } from '../acknowledge.ts';
import type { StageConfig } from '../config/stages.ts';
import type { HouseFunction } from './house-function.ts';

/**
 * The CDK Provider framework around a custom resource's house function, with its own log group and the
 * cdk-nag acknowledgements its framework function needs (it is configured by aws-cdk-lib, not by us).
 */
export function houseProvider(scope: Construct, onEvent: HouseFunction, config: StageConfig): Provider {
  const stack = Stack.of(scope);
  const provider = new Provider(scope, 'Provider', {
    onEventHandler: onEvent,
    logGroup: new logs.LogGroup(scope, 'ProviderLogs', {
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
    [`AwsSolutions-IAM5[Resource::<${stack.resolve(stack.getLogicalId(onEvent.node.defaultChild as CfnElement))}.Arn>:*]`]:
      'The Provider framework may invoke any version of its own onEvent function, and nothing else',
  });
  return provider;
}
