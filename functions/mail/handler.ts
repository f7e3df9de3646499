import { randomBytes } from 'node:crypto';
import { accountStore } from '../adapters/account-store.ts';
import { emailStore } from '../adapters/email-store.ts';
import { sesMailer } from '../adapters/mailer.ts';
import { quotaStore } from '../adapters/quota-store.ts';
import { checkToken } from '../adapters/token-keys.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { apiHandler } from '../shared/http/api.ts';
import { publicBaseUrl } from '../shared/http/base-url.ts';
import { residentAuth } from '../shared/http/resident-auth.ts';
import { json } from '../shared/http/response.ts';
import { PAGE_CSP, verificationPage } from './page.ts';
import type { MailPorts } from './ports.ts';
import { emailBody } from './schemas.ts';
import { resendEmail, setEmail, verifyEmail } from './use-cases.ts';

const tableName = required(ENV.tableName);
const ports: MailPorts = {
  ...emailStore(tableName),
  ...quotaStore(tableName),
  ...sesMailer,
  newToken: () => randomBytes(32).toString('base64url'),
  now: () => new Date(),
};
const auth = residentAuth(checkToken, accountStore(tableName).tokenGeneration);

/** `PUT /v1/me/email` (guide step 7, メールアドレスの登録). */
export const putEmail = apiHandler({ body: emailBody, auth }, async ({ body, accountId, event }) =>
  json(202, await setEmail(accountId, body.email, publicBaseUrl(event), ports)),
);

/** `POST /v1/me/email/resend`. */
export const postEmailResend = apiHandler({ auth }, async ({ accountId, event }) =>
  json(202, await resendEmail(accountId, publicBaseUrl(event), ports)),
);

/** `GET /v1/email-verifications/{token}`: the link in the mail; answers a small HTML page. */
export const getEmailVerification = apiHandler({}, async ({ event }) => {
  const { status, html } = verificationPage(await verifyEmail(event.pathParameters?.token ?? '', ports));
  return {
    statusCode: status,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': PAGE_CSP },
    body: html,
  };
});
