import type { StatusCheckPorts } from '../status-check/ports.ts';
import { isSnsError, PublishCommand, snsClient } from './sns-client.ts';

/**
 * SNS side of a push to one resident's own device: a Publish to the device's platform endpoint (never to
 * a topic). An endpoint SNS has disabled, or that no longer exists, is not an error: nothing reaches it.
 */
export const endpointPush = {
  async pushToDevice(endpointArn: string, message: string): Promise<'sent' | 'disabled'> {
    try {
      await snsClient.send(
        new PublishCommand({ TargetArn: endpointArn, Message: message, MessageStructure: 'json' }),
      );
      return 'sent';
    } catch (error) {
      if (isSnsError(error, 'EndpointDisabled') || isSnsError(error, 'NotFound')) return 'disabled';
      throw error;
    }
  },
} satisfies Pick<StatusCheckPorts, 'pushToDevice'>;
