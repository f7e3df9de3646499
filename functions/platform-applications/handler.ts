import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreatePlatformApplicationCommand,
  DeletePlatformApplicationCommand,
  SetPlatformApplicationAttributesCommand,
} from '@aws-sdk/client-sns';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { sns } from '../shared/clients.ts';
import { logger } from '../shared/powertools.ts';
import { type PushPlatform, platformAttributes } from './credentials.ts';

/**
 * CloudFormation has no resource type for SNS platform applications, so this custom resource (run by the
 * CDK Provider framework) creates, updates and deletes them. Credentials are read from Secrets Manager by
 * name at deployment time and go straight to SNS: they never appear in the template or in the logs.
 */
interface Properties {
  Name: string;
  Platform: PushPlatform;
  SecretName: string;
  /** Keep the application when the stack is deleted (production). */
  Retain?: 'true' | 'false';
  /** Topic that receives the application's endpoint events (updated, deleted, delivery failure). */
  EventTopicArn?: string;
}

const secrets = new SecretsManagerClient({});

async function attributesFor(props: Properties): Promise<Record<string, string>> {
  const secret = await secrets.send(new GetSecretValueCommand({ SecretId: props.SecretName }));
  if (!secret.SecretString) throw new Error(`Secret ${props.SecretName} has no string value`);
  const events: Record<string, string> = props.EventTopicArn
    ? {
        EventEndpointUpdated: props.EventTopicArn,
        EventEndpointDeleted: props.EventTopicArn,
        EventDeliveryFailure: props.EventTopicArn,
      }
    : {};
  return { ...platformAttributes(props.Platform, secret.SecretString), ...events };
}

interface Result {
  PhysicalResourceId: string | undefined;
  Data?: { Arn: string | undefined };
}

export const handler = async (event: CloudFormationCustomResourceEvent): Promise<Result> => {
  const props = event.ResourceProperties as unknown as Properties;
  logger.info('platform application event', { requestType: event.RequestType, name: props.Name });
  switch (event.RequestType) {
    case 'Create': {
      const created = await sns().send(
        new CreatePlatformApplicationCommand({
          Name: props.Name,
          Platform: props.Platform,
          Attributes: await attributesFor(props),
        }),
      );
      return {
        PhysicalResourceId: created.PlatformApplicationArn,
        Data: { Arn: created.PlatformApplicationArn },
      };
    }
    case 'Update': {
      const old = event.OldResourceProperties as unknown as Properties;
      // A new name or platform is a new application: create it; CloudFormation then deletes the old one.
      if (old.Name !== props.Name || old.Platform !== props.Platform) {
        return handler({ ...event, RequestType: 'Create' } as CloudFormationCustomResourceEvent);
      }
      await sns().send(
        new SetPlatformApplicationAttributesCommand({
          PlatformApplicationArn: event.PhysicalResourceId,
          Attributes: await attributesFor(props),
        }),
      );
      return { PhysicalResourceId: event.PhysicalResourceId, Data: { Arn: event.PhysicalResourceId } };
    }
    case 'Delete': {
      if (props.Retain !== 'true' && event.PhysicalResourceId.startsWith('arn:')) {
        await sns().send(
          new DeletePlatformApplicationCommand({ PlatformApplicationArn: event.PhysicalResourceId }),
        );
      }
      return { PhysicalResourceId: event.PhysicalResourceId };
    }
  }
};
