import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges cdk-nag findings on one construct, each with its written reason. cdk-nag v3 names every
 * finding separately (`AwsSolutions-IAM5[Resource::*]`), so an acknowledgement never hides more than it says.
 */
export function acknowledge(scope: IConstruct, findings: Record<string, string>): void {
  for (const [id, reason] of Object.entries(findings)) Validations.of(scope).acknowledge({ id, reason });
}
