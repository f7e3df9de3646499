import type { SNSEvent } from 'aws-lambda';
import { z } from 'zod';
import { deviceStore } from '../adapters/device-store.ts';
import { unsubscribe } from '../adapters/push.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { eachJsonMessage } from '../shared/sns.ts';
import { endpointDisabled } from './resident.ts';

/**
 * Endpoint events of the push platform applications (`EventEndpointUpdated`, `EventEndpointDeleted`,
 * `EventDeliveryFailure`): an endpoint that SNS disabled or deleted is recorded and taken off its push
 * topic. Device tokens are never logged.
 */
const platformEvent = z.object({
  EventType: z.string(),
  EndpointArn: z.string().startsWith('arn:'),
  EndpointAttributes: z.record(z.string(), z.string()).optional(),
});

/** The endpoint an event reports as no longer deliverable, if any. */
export function disabledEndpoint(message: unknown): string | undefined {
  const parsed = platformEvent.safeParse(message);
  if (!parsed.success) return undefined;
  const { EventType, EndpointArn, EndpointAttributes } = parsed.data;
  if (EventType === 'EndpointDeleted' || EventType === 'DeliveryFailure') return EndpointArn;
  if (EventType === 'EndpointUpdated' && EndpointAttributes?.Enabled === 'false') return EndpointArn;
  return undefined;
}

const ports = { devices: deviceStore(required(ENV.tableName)), unsubscribe, now: () => new Date() };

export const handler = (event: SNSEvent): Promise<void> =>
  eachJsonMessage(event, async (message) => {
    const endpoint = disabledEndpoint(message);
    if (!endpoint) return;
    const outcome = await endpointDisabled(endpoint, ports);
    logger.info('push endpoint event', { outcome });
    metrics.addMetric(outcome === 'disabled' ? 'EndpointsDisabled' : 'StaleEndpointEvents', 'Count', 1);
  });
