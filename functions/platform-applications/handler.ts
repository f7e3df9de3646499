import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { platformApplicationsAdapter } from '../adapters/platform-applications.ts';
import { logger } from '../shared/powertools.ts';
import { type CustomResourceResult, platformApplication } from './use-cases.ts';

/** The custom resource behind `Custom::SnsPlatformApplication` (lib/constructs/platform-applications.ts). */
export const handler = async (event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> => {
  logger.info('platform application event', {
    requestType: event.RequestType,
    name: (event.ResourceProperties as { Name?: unknown }).Name,
  });
  return platformApplication(event, platformApplicationsAdapter);
};
