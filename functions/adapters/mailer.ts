import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { MailContent, MailPorts } from '../mail/ports.ts';
import { ses } from '../shared/clients.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { MAIL_ACCOUNT_TAG } from '../shared/names.ts';

/** Sends one mail through SES v2 from the stage's sender, with the stage's configuration set. */
export async function sendMail(to: string, content: MailContent, accountId: string): Promise<void> {
  await ses().send(
    new SendEmailCommand({
      FromEmailAddress: required(ENV.mailFrom),
      Destination: { ToAddresses: [to] },
      ConfigurationSetName: required(ENV.mailConfigurationSet),
      EmailTags: [{ Name: MAIL_ACCOUNT_TAG, Value: accountId }],
      Content: {
        Simple: {
          Subject: { Data: content.subject, Charset: 'UTF-8' },
          Body: {
            Text: { Data: content.text, Charset: 'UTF-8' },
            Html: { Data: content.html, Charset: 'UTF-8' },
          },
        },
      },
    }),
    { abortSignal: AbortSignal.timeout(5000) },
  );
}

/** The SES adapter, as the mail use cases see it. */
export const sesMailer = { send: sendMail } satisfies Pick<MailPorts, 'send'>;
