import type { SNSEvent } from 'aws-lambda';
import { logger, metrics } from './powertools.ts';

/**
 * Runs `each` on the JSON message of every record of an SNS event (a record whose message is not JSON is
 * logged by id and skipped), then publishes the metrics the calls added. For the handlers of AWS event
 * feeds (SES feedback, push endpoint events), whose messages AWS writes.
 */
export async function eachJsonMessage(
  event: SNSEvent,
  each: (message: unknown) => Promise<void>,
): Promise<void> {
  try {
    for (const record of event.Records) {
      let message: unknown;
      try {
        message = JSON.parse(record.Sns.Message);
      } catch {
        logger.warn('SNS message is not JSON', {
          messageId: record.Sns.MessageId,
          topic: record.Sns.TopicArn,
        });
        continue;
      }
      await each(message);
    }
  } finally {
    metrics.publishStoredMetrics();
  }
}
