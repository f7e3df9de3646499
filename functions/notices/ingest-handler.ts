import type { SNSEvent } from 'aws-lambda';
import { noticeStore } from '../adapters/notice-store.ts';
import { snsPush } from '../adapters/push.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { NoticeRejectedError } from './notice.ts';
import type { NoticeIngestPorts } from './ports.ts';
import { receiveNotice } from './use-cases.ts';

/**
 * The notices function, subscribed to every municipality's ingest topic. A message it cannot accept is an
 * error: Lambda retries it and then hands the event to the dead-letter queue, whose alarm tells operators;
 * nothing is stored or pushed for it.
 */
const ports: NoticeIngestPorts = {
  ...noticeStore(required(ENV.tableName)),
  publishPush: snsPush.publishPush,
  now: () => new Date(),
};

export const handler = async (event: SNSEvent): Promise<void> => {
  for (const record of event.Records) {
    try {
      const outcome = await receiveNotice(record.Sns.TopicArn, record.Sns.Message, ports);
      logger.info('notice received', {
        outcome,
        topic: record.Sns.TopicArn,
        messageId: record.Sns.MessageId,
      });
      metrics.addMetric(outcome === 'pushed' ? 'NoticesPushed' : 'DuplicateNotices', 'Count', 1);
    } catch (error) {
      if (error instanceof NoticeRejectedError) {
        logger.warn('notice rejected', {
          reason: error.message,
          topic: record.Sns.TopicArn,
          messageId: record.Sns.MessageId,
        });
        metrics.addMetric('NoticesRejected', 'Count', 1);
      }
      metrics.publishStoredMetrics();
      throw error;
    }
  }
  metrics.publishStoredMetrics();
};
