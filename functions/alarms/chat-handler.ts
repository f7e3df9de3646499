import type { SNSEvent } from 'aws-lambda';
import { chatWebhook } from '../adapters/chat-webhook.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { forwardAlarms } from './use-cases.ts';

/**
 * The chat forwarder, subscribed to the stage's alarm topic when the stage names a chat webhook secret.
 * A post that fails is an error: Lambda retries, then the event goes to the forwarder's dead-letter queue,
 * whose alarm still reaches the alarm topic's e-mail subscribers.
 */
const ports = chatWebhook(required(ENV.chatWebhookSecret));

export const handler = async (event: SNSEvent): Promise<void> => {
  try {
    const sent = await forwardAlarms(
      event.Records.map((r) => ({ message: r.Sns.Message, subject: r.Sns.Subject ?? undefined })),
      ports,
    );
    logger.info('alarms forwarded', { sent });
    metrics.addMetric('AlarmsForwarded', 'Count', sent);
  } finally {
    metrics.publishStoredMetrics();
  }
};
