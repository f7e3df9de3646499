import type { MailContent, MailPorts } from '../mail/ports.ts';
import { countCall } from '../shared/aws-calls.ts';
import { optional, required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { MAIL_ACCOUNT_TAG, THROTTLED_LOG_MESSAGE } from '../shared/names.ts';
import { logger } from '../shared/powertools.ts';
import { type Answer, errorTypeOf, signedPost } from './aws-http.ts';

/**
 * Sends one mail through SES v2 (`SendEmail`) from the stage's sender, with the stage's configuration set.
 * The request is signed with the SDK's own SigV4 signer and sent with `aws-http.ts`'s transport, once: the SES client
 * would add some 60 KB to every function that mails (the recovery's bundle went over its 500 KB budget),
 * and a send is not idempotent, so it is never retried here (functions/mail/use-cases.ts decides what a
 * failure means). SES's errors come back as errors `isDependencyFailure` and the mail use cases read: the
 * HTTP status in `$metadata.httpStatusCode`, the error type as `name`. Counted as `SES:SendEmail`.
 */
const PATH = '/v2/email/outbound-emails';
/** A send that has not answered in this time is given up (the mail may still go out: see the use cases). */
export const SEND_TIMEOUT_MS = 5000;

export async function sendMail(to: string, content: MailContent, accountId: string): Promise<void> {
  const region = required(ENV.region);
  const local = optional(ENV.localSesEndpoint);
  const base = new URL(local ?? `https://email.${region}.amazonaws.com`);
  const body = JSON.stringify({
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
  });
  if (optional(ENV.countAwsCalls) === 'true') countCall('SES:SendEmail');
  const response = await signedPost(
    'ses',
    region,
    new URL(PATH, base),
    { 'content-type': 'application/json' },
    body,
    { answerMs: SEND_TIMEOUT_MS, fresh: true },
  );
  if (response.status >= 200 && response.status < 300) return;
  throw sesError(response);
}

/**
 * SES's error answer as an SDK-shaped error: `name` its type, `$metadata.httpStatusCode` its status. SES's
 * own message is left out: it may name the recipient (a refused address), and these errors reach the logs.
 */
function sesError(response: Answer): Error {
  const type = errorTypeOf(response.headers['x-amzn-errortype'], undefined) ?? `Http${response.status}`;
  const throttled = response.status === 429 || type === 'TooManyRequestsException';
  if (throttled) logger.warn(THROTTLED_LOG_MESSAGE, { awsService: 'SES' });
  return Object.assign(new Error(`SES answered ${response.status} ${type}`), {
    name: type,
    $fault: response.status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: response.status },
    ...(throttled ? { $retryable: { throttling: true } } : {}),
  });
}

/** The SES adapter, as the mail use cases see it. */
export const sesMailer = { send: sendMail } satisfies Pick<MailPorts, 'send'>;
