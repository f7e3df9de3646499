import type { SNSEvent } from 'aws-lambda';
import { emailStore } from '../adapters/email-store.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { eachJsonMessage } from '../shared/sns.ts';
import type { MailFeedbackPorts } from './ports.ts';
import { recordUndeliverable, undeliverable } from './use-cases.ts';

/**
 * Bounces and complaints from the SES configuration set's event destination (through SNS): a permanent
 * bounce or a complaint marks the account's address undeliverable, which `GET /v1/me` shows. The account is
 * found by the tag the mail was sent with; the address must still be the account's current one. Addresses
 * are never logged.
 */
const ports: MailFeedbackPorts = emailStore(required(ENV.tableName));

export const handler = (event: SNSEvent): Promise<void> =>
  eachJsonMessage(event, async (message) => {
    const reports = undeliverable(message);
    if (reports.length === 0) return;
    const { marked, stale } = await recordUndeliverable(reports, ports);
    logger.info('mail feedback', { accountId: reports[0]?.accountId, marked, stale });
    if (marked) metrics.addMetric('AddressesMarkedUndeliverable', 'Count', marked);
    if (stale) metrics.addMetric('StaleMailFeedback', 'Count', stale);
  });
