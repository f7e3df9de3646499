import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges cdk-nag findings on one construct, each with its written reason. cdk-nag v3 names every
 * finding separately (`AwsSolutions-IAM5[Resource::*]`), so an acknowledgement never hides more than it says.
 */
export function acknowledge(scope: IConstruct, findings: Record<string, string>): void {
  for (const [id, reason] of Object.entries(findings)) Validations.of(scope).acknowledge({ id, reason });
}

/**
 * How cdk-nag names a resource ARN in a finding: literal text as is, intrinsic references in angle
 * brackets (`<AWS::AccountId>`, `<Logical.Arn>`), so an acknowledgement can name exactly one finding.
 */
export function nagArn(scope: IConstruct, arn: string): string {
  const resolved = Stack.of(scope).resolve(arn) as unknown;
  const render = (part: unknown): string => {
    if (typeof part === 'string') return part;
    const ref = (part as { Ref?: string }).Ref;
    if (ref) return `<${ref}>`;
    const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    if (getAtt) return `<${getAtt[0]}.${getAtt[1]}>`;
    const join = (part as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map(render).join(join[0]);
    return JSON.stringify(part);
  };
  return render(resolved);
}

/**
 * Acknowledges an IAM5 wildcard-resource finding for an ARN under both of the names cdk-nag may give it
 * (it writes the partition as `aws` when the stack's region is concrete, `<AWS::Partition>` otherwise).
 */
export function acknowledgeWildcardResource(scope: IConstruct, arn: string, reason: string): void {
  const name = nagArn(scope, arn);
  const findings: Record<string, string> = {};
  for (const variant of new Set([name, name.replaceAll('<AWS::Partition>', 'aws')])) {
    findings[`AwsSolutions-IAM5[Resource::${variant}]`] = reason;
  }
  acknowledge(scope, findings);
}
