import type { PushPlatform } from '../shared/names.ts';

/** What the platform-applications custom resource needs: the credentials secret, and SNS. */
export interface PlatformApplicationPorts {
  /** The secret's string value. */
  readSecret(name: string): Promise<string>;
  createApplication(
    name: string,
    platform: PushPlatform,
    attributes: Record<string, string>,
  ): Promise<string>;
  setApplicationAttributes(arn: string, attributes: Record<string, string>): Promise<void>;
  deleteApplication(arn: string): Promise<void>;
}
