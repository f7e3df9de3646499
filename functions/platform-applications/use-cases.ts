import { platformAttributes } from './credentials.ts';
import type { PlatformApplicationPorts } from './ports.ts';
import { type PlatformApplicationProperties, platformApplicationProperties } from './schemas.ts';

/**
 * CloudFormation has no resource type for SNS platform applications, so a custom resource (run by the CDK
 * Provider framework) creates, updates and deletes them. Credentials are read from Secrets Manager by name
 * at deployment time and go straight to SNS: they never appear in the template or in the logs.
 */
export type CustomResourceRequest =
  | { RequestType: 'Create'; ResourceProperties: unknown }
  | {
      RequestType: 'Update';
      ResourceProperties: unknown;
      OldResourceProperties: unknown;
      PhysicalResourceId: string;
    }
  | { RequestType: 'Delete'; ResourceProperties: unknown; PhysicalResourceId: string };

export interface CustomResourceResult {
  PhysicalResourceId: string;
  Data?: { Arn: string };
}

async function attributesFor(props: PlatformApplicationProperties, ports: PlatformApplicationPorts) {
  const events: Record<string, string> = props.EventTopicArn
    ? {
        EventEndpointUpdated: props.EventTopicArn,
        EventEndpointDeleted: props.EventTopicArn,
        EventDeliveryFailure: props.EventTopicArn,
      }
    : {};
  return { ...platformAttributes(props.Platform, await ports.readSecret(props.SecretName)), ...events };
}

export async function platformApplication(
  request: CustomResourceRequest,
  ports: PlatformApplicationPorts,
): Promise<CustomResourceResult> {
  const props = platformApplicationProperties.parse(request.ResourceProperties);
  const create = async () => {
    const arn = await ports.createApplication(props.Name, props.Platform, await attributesFor(props, ports));
    return { PhysicalResourceId: arn, Data: { Arn: arn } };
  };
  switch (request.RequestType) {
    case 'Create':
      return create();
    case 'Update': {
      const old = platformApplicationProperties.partial().parse(request.OldResourceProperties);
      // A new name or platform is a new application: create it; CloudFormation then deletes the old one.
      if (old.Name !== props.Name || old.Platform !== props.Platform) return create();
      await ports.setApplicationAttributes(request.PhysicalResourceId, await attributesFor(props, ports));
      return { PhysicalResourceId: request.PhysicalResourceId, Data: { Arn: request.PhysicalResourceId } };
    }
    case 'Delete': {
      if (props.Retain !== 'true' && request.PhysicalResourceId.startsWith('arn:')) {
        await ports.deleteApplication(request.PhysicalResourceId);
      }
      return { PhysicalResourceId: request.PhysicalResourceId };
    }
  }
}
