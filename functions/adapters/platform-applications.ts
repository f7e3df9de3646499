import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import {
  CreatePlatformApplicationCommand,
  DeletePlatformApplicationCommand,
  SetPlatformApplicationAttributesCommand,
} from '@aws-sdk/client-sns';
import type { PlatformApplicationPorts } from '../platform-applications/ports.ts';
import { secrets, sdkSns as sns } from '../shared/clients.ts';

/** Secrets Manager and SNS side of the platform-applications custom resource. */
export const platformApplicationsAdapter = {
  async readSecret(name) {
    const secret = await secrets().send(new GetSecretValueCommand({ SecretId: name }));
    if (!secret.SecretString) throw new Error(`Secret ${name} has no string value`);
    return secret.SecretString;
  },
  async createApplication(name, platform, attributes) {
    const created = await sns().send(
      new CreatePlatformApplicationCommand({ Name: name, Platform: platform, Attributes: attributes }),
    );
    if (!created.PlatformApplicationArn) throw new Error('SNS returned no platform application');
    return created.PlatformApplicationArn;
  },
  async setApplicationAttributes(arn, attributes) {
    await sns().send(
      new SetPlatformApplicationAttributesCommand({ PlatformApplicationArn: arn, Attributes: attributes }),
    );
  },
  async deleteApplication(arn) {
    await sns().send(new DeletePlatformApplicationCommand({ PlatformApplicationArn: arn }));
  },
} satisfies PlatformApplicationPorts;
