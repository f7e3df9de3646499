import type { SNSEvent } from 'aws-lambda';
import { deviceStore } from '../adapters/device-store.ts';
import { snsPush } from '../adapters/push.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { eachJsonMessage } from '../shared/sns.ts';
import type { EndpointEventPorts } from './ports.ts';
import { disabledEndpoint, endpointDisabled } from './use-cases.ts';

/**
 * Endpoint events of the push platform applications (`EventEndpointUpdated`, `EventEndpointDeleted`,
 * `EventDeliveryFailure`): an endpoint that SNS disabled or deleted is recorded and taken off its push
 * topic. Device tokens are never logged.
 */
const ports: EndpointEventPorts = {
  ...deviceStore(required(ENV.tableName)),
  unsubscribe: snsPush.unsubscribe,
  now: () => new Date(),
};

export const handler = (event: SNSEvent): Promise<void> =>
  eachJsonMessage(event, async (message) => {
    const endpoint = disabledEndpoint(message);
    if (!endpoint) return;
    const outcome = await endpointDisabled(endpoint, ports);
    logger.info('push endpoint event', { outcome });
    metrics.addMetric(outcome === 'disabled' ? 'EndpointsDisabled' : 'StaleEndpointEvents', 'Count', 1);
  });
