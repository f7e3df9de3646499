import type { SNSEvent } from 'aws-lambda';
import { z } from 'zod';
import { emailStore } from '../adapters/email-store.ts';
import { ACCOUNT_TAG } from '../adapters/mailer.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { eachJsonMessage } from '../shared/sns.ts';

/**
 * Bounces and complaints from the SES configuration set's event destination (through SNS): a permanent
 * bounce or a complaint marks the account's address undeliverable, which `GET /v1/me` shows. The account is
 * found by the tag the mail was sent with; the address must still be the account's current one. Addresses
 * are never logged.
 */
const sesEvent = z.object({
  eventType: z.enum([
    'Bounce',
    'Complaint',
    'Delivery',
    'Send',
    'Reject',
    'Open',
    'Click',
    'DeliveryDelay',
    'RenderingFailure',
    'Subscription',
  ]),
  mail: z.object({ tags: z.record(z.string(), z.array(z.string())).optional() }),
  bounce: z
    .object({ bounceType: z.string(), bouncedRecipients: z.array(z.object({ emailAddress: z.string() })) })
    .optional(),
  complaint: z.object({ complainedRecipients: z.array(z.object({ emailAddress: z.string() })) }).optional(),
});

/** The accounts and addresses to mark, from one SES event; none for transient bounces and other events. */
export function undeliverable(message: unknown): { accountId: string; address: string }[] {
  const parsed = sesEvent.safeParse(message);
  if (!parsed.success) return [];
  const { eventType, mail, bounce, complaint } = parsed.data;
  const accountId = mail.tags?.[ACCOUNT_TAG]?.[0];
  if (!accountId) return [];
  const recipients =
    eventType === 'Bounce' && bounce?.bounceType === 'Permanent'
      ? bounce.bouncedRecipients
      : eventType === 'Complaint'
        ? (complaint?.complainedRecipients ?? [])
        : [];
  return recipients.map((r) => ({ accountId, address: r.emailAddress }));
}

const store = emailStore(required(ENV.tableName));

export const handler = (event: SNSEvent): Promise<void> =>
  eachJsonMessage(event, async (message) => {
    for (const { accountId, address } of undeliverable(message)) {
      const marked = await store.markUndeliverable(accountId, address);
      logger.info('mail feedback', { accountId, marked });
      metrics.addMetric(marked ? 'AddressesMarkedUndeliverable' : 'StaleMailFeedback', 'Count', 1);
    }
  });
