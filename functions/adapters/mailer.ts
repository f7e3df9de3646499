import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { ses } from '../shared/clients.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';

/** The tag that ties SES bounce and complaint events back to an account (never the address in logs). */
export const ACCOUNT_TAG = 'xid-account';

/** Sends one mail through SES v2 from the stage's sender, with the stage's configuration set. */
export async function sendMail(
  to: string,
  content: { subject: string; text: string; html: string },
  accountId: string,
) {
  await ses().send(
    new SendEmailCommand({
      FromEmailAddress: required(ENV.mailFrom),
      Destination: { ToAddresses: [to] },
      ConfigurationSetName: required(ENV.mailConfigurationSet),
      EmailTags: [{ Name: ACCOUNT_TAG, Value: accountId }],
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
