import { PublishCommand } from '@aws-sdk/client-sns';
import type { SNSEvent } from 'aws-lambda';
import { noticeStore } from '../adapters/notice-store.ts';
import { sns } from '../shared/clients.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { NoticeRejected } from './notice.ts';
import { type NoticePorts, receiveNotice } from './receive.ts';
import { ingestTopicName, pushTopicArn } from './topics.ts';

/**
 * The notices function, subscribed to every municipality's ingest topic. A message it cannot accept is an
 * error: Lambda retries it and then hands the event to the dead-letter queue, whose alarm tells operators;
 * nothing is stored or pushed for it.
 */
const store = noticeStore(required(ENV.tableName));
const prefix = required(ENV.topicPrefix);

const ports: NoticePorts = {
  async municipalityOfTopic(topicArn) {
    const name = topicArn.split(':').at(-1) ?? '';
    const code = /^\d{6}$/.exec(name.slice(ingestTopicName(prefix, '').length))?.[0];
    if (!code || ingestTopicName(prefix, code) !== name) return undefined;
    const record = await store.municipality(code);
    return record && record.ingestTopicArn === topicArn
      ? { code: record.code, name: record.name }
      : undefined;
  },
  storeOnce: (code, notice, at) => store.storeOnce(code, notice, at),
  async publishPush(code, message) {
    await sns().send(
      new PublishCommand({
        TopicArn: pushTopicArn(prefix, code),
        Message: message,
        MessageStructure: 'json',
      }),
    );
  },
  markPushed: (code, noticeId, at) => store.markPushed(code, noticeId, at),
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
      if (error instanceof NoticeRejected) {
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
