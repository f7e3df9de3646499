import { type Notice, NoticeRejected, parseNotice } from './notice.ts';
import { pushMessage } from './push-payload.ts';

/**
 * What the notices function does with one SNS message from an ingest topic: the municipality is the
 * topic's, the notice is checked, stored once (idempotent on its id, whatever the duplicate deliveries and
 * retries), and pushed once to the municipality's push topic: one publish, whatever the number of
 * residents. A notice stored but not yet pushed (a crash between the two) is pushed on the retry.
 */
export interface NoticePorts {
  /** The onboarded municipality whose ingest topic this is, or undefined. */
  municipalityOfTopic(topicArn: string): Promise<{ code: string; name: string } | undefined>;
  /** Stores the notice unless it exists; says whether it was already pushed. */
  storeOnce(
    code: string,
    notice: Notice,
    receivedAt: Date,
  ): Promise<'stored' | 'stored-earlier' | 'pushed-earlier'>;
  /** One publish to the municipality's push topic. */
  publishPush(code: string, message: string): Promise<void>;
  markPushed(code: string, noticeId: string, at: Date): Promise<void>;
  now(): Date;
}

export type Outcome = 'pushed' | 'duplicate';

export async function receiveNotice(topicArn: string, message: string, ports: NoticePorts): Promise<Outcome> {
  const municipality = await ports.municipalityOfTopic(topicArn);
  if (!municipality) throw new NoticeRejected('the topic is not an onboarded municipality ingest topic');
  const notice = parseNotice(message);
  const now = ports.now();
  const stored = await ports.storeOnce(municipality.code, notice, now);
  if (stored === 'pushed-earlier') return 'duplicate';
  await ports.publishPush(municipality.code, pushMessage(notice, municipality));
  await ports.markPushed(municipality.code, notice.noticeId, now);
  return 'pushed';
}
