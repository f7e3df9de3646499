import type { SNSEvent } from 'aws-lambda';
import { noticeStore } from '../adapters/notice-store.ts';
import { snsPush } from '../adapters/push.ts';
import { snsReceipts } from '../adapters/receipts.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { logger, metrics } from '../shared/powertools.ts';
import type { NoticeIngestPorts } from './ports.ts';
import { receiveNotice } from './use-cases.ts';

/**
 * The notices function, subscribed to every municipality's ingest topic. Every message gets a receipt on
 * the municipality's receipts topic; a rejected notice is answered there and not retried. What fails
 * otherwise (DynamoDB, SNS, a topic that is no onboarded municipality's) is an error: Lambda retries it and
 * then hands the event to the dead-letter queue, whose alarm tells operators.
 */
const ports: NoticeIngestPorts = {
  ...noticeStore(required(ENV.tableName)),
  publishPush: snsPush.publishPush,
  ...snsReceipts(required(ENV.topicPrefix)),
  now: () => new Date(),
};

const METRIC = {
  accepted: 'NoticesAccepted',
  duplicate: 'DuplicateNotices',
  rejected: 'NoticesRejected',
} as const;

export const handler = async (event: SNSEvent): Promise<void> => {
  try {
    for (const record of event.Records) {
      const { receipt, pushed } = await receiveNotice(
        { topicArn: record.Sns.TopicArn, messageId: record.Sns.MessageId, body: record.Sns.Message },
        ports,
      );
      const where = {
        topic: record.Sns.TopicArn,
        messageId: record.Sns.MessageId,
        noticeId: receipt.noticeId,
      };
      if (receipt.status === 'rejected') {
        logger.warn('notice rejected', { ...where, fields: receipt.errors?.map((e) => e.field) });
      } else {
        logger.info('notice received', { ...where, status: receipt.status });
      }
      metrics.addMetric(METRIC[receipt.status], 'Count', 1);
      if (pushed) metrics.addMetric('NoticesPushed', 'Count', 1);
    }
  } finally {
    metrics.publishStoredMetrics();
  }
};
