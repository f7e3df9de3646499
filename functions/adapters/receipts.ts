import type { NoticeIngestPorts } from '../notices/ports.ts';
import { topicArn } from '../shared/names.ts';
import { PublishCommand, snsClient } from './sns-client.ts';

/**
 * SNS side of notice receipts: one message per receipt on the municipality's receipts topic, its JSON as
 * the message (what e-mail, SQS and HTTPS subscribers get) and its status as a message attribute, so that a
 * subscriber may filter (`{"status": ["rejected"]}`).
 */
export function snsReceipts(topicPrefix: string): Pick<NoticeIngestPorts, 'publishReceipt'> {
  return {
    async publishReceipt(code, receipt) {
      await snsClient.send(
        new PublishCommand({
          TopicArn: topicArn(topicPrefix, 'receipts', code),
          Subject: `xID notice receipt: ${receipt.status}`,
          Message: JSON.stringify(receipt),
          MessageAttributes: { status: { DataType: 'String', StringValue: receipt.status } },
        }),
      );
    },
  };
}
