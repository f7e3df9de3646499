import { createHash } from 'node:crypto';
import type { ActivityType } from '../activity/model.ts';
import { MAIL_ACCOUNT_TAG } from '../shared/names.ts';
import { ProblemError } from '../shared/problems.ts';
import { normaliseEmailAddress } from './email-address.ts';
import type { VerificationOutcome } from './page.ts';
import type { EmailState, MailFeedbackPorts, MailPorts } from './ports.ts';
import {
  type EmailResendResponse,
  type EmailResponse,
  sesEvent,
  verificationTokenParameter,
} from './schemas.ts';
import { confirmationMail } from './template.ts';

/**
 * E-mail registration and confirmation (guide step 7, design.md §3.4). A mail is sent first and recorded
 * after: if SES refuses, nothing is stored and the resident can simply try again; if it was sent, the new
 * link's hash becomes the only one that works, so older links die with a new address or a resend.
 */
export const TOKEN_TTL_SECONDS = 24 * 60 * 60;
export const MAILS_PER_HOUR = 5;
const HOUR_MS = 3_600_000;

export const tokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

async function mailLink(
  accountId: string,
  address: string,
  current: EmailState | undefined,
  linkBase: string,
  ports: MailPorts,
  activity?: ActivityType,
): Promise<EmailState> {
  const now = ports.now();
  const recent = (current?.sentAt ?? []).filter((at) => at > now.getTime() - HOUR_MS);
  if (recent.length >= MAILS_PER_HOUR) {
    const retryAfterSeconds = Math.ceil(((recent[0] as number) + HOUR_MS - now.getTime()) / 1000);
    throw new ProblemError('rate_limited', `At most ${MAILS_PER_HOUR} mails an hour`, { retryAfterSeconds });
  }
  const token = ports.newToken();
  try {
    await ports.send(address, confirmationMail(`${linkBase}/v1/email-verifications/${token}`), accountId);
  } catch (error) {
    throw new ProblemError('mail_unavailable', undefined, { cause: error });
  }
  const next: EmailState = {
    address,
    verified: false,
    deliverable: true,
    tokenHash: tokenHash(token),
    requestedAt: now.toISOString(),
    sentAt: [...recent, now.getTime()],
    revision: (current?.revision ?? 0) + 1,
  };
  await ports.recordMail(
    accountId,
    next,
    { hash: next.tokenHash as string, expiresAt: new Date(now.getTime() + TOKEN_TTL_SECONDS * 1000) },
    current?.revision ?? 0,
    activity ? { type: activity, at: now } : undefined,
  );
  return next;
}

/** `PUT /v1/me/email`: a new address, unconfirmed, and a confirmation mail to it. */
export async function setEmail(
  accountId: string,
  input: string,
  linkBase: string,
  ports: MailPorts,
): Promise<EmailResponse> {
  const normalised = normaliseEmailAddress(input);
  if (typeof normalised === 'string') {
    throw new ProblemError('invalid_request', 'The e-mail address is not valid', {
      errors: [{ pointer: '/email', detail: `invalid address (${normalised})` }],
    });
  }
  const { exists, email } = await ports.emailState(accountId);
  if (!exists) throw new ProblemError('unauthorized');
  await mailLink(accountId, normalised.address, email, linkBase, ports, 'email_set');
  return {
    email: normalised.address,
    verified: false,
    warnings: normalised.carrierDomain ? ['carrier_domain'] : [],
  };
}

/** `POST /v1/me/email/resend`: the same address, a new link; the older links stop working. */
export async function resendEmail(
  accountId: string,
  linkBase: string,
  ports: MailPorts,
): Promise<EmailResendResponse> {
  const { exists, email } = await ports.emailState(accountId);
  if (!exists) throw new ProblemError('unauthorized');
  if (!email || email.verified) throw new ProblemError('email_not_pending');
  await mailLink(accountId, email.address, email, linkBase, ports);
  return { email: email.address, verified: false };
}

/** `GET /v1/email-verifications/{token}`: confirms the address if this is its current, unused, fresh link. */
export async function verifyEmail(token: string, ports: MailPorts): Promise<VerificationOutcome> {
  if (!verificationTokenParameter.safeParse(token).success) return 'unknown';
  const hash = tokenHash(token);
  const now = ports.now();
  const stored = await ports.emailToken(hash);
  if (!stored) return 'unknown';
  if (stored.usedAt) return 'used';
  if (stored.expiresAt <= now) return 'expired';
  // The address is the account's own (links do not keep one): a link is current only while the account
  // names it, and the confirmation checks that again in its transaction.
  const { email } = await ports.emailState(stored.accountId);
  if (
    email?.tokenHash === hash &&
    (await ports.confirmEmail(stored.accountId, hash, now, email.address, {
      type: 'email_verified',
      at: now,
    }))
  )
    return 'confirmed';
  // A newer link replaced this one, or a concurrent click used it.
  const again = await ports.emailToken(hash);
  return again?.usedAt ? 'used' : 'expired';
}

/** The accounts and addresses to mark, from one SES event; none for transient bounces and other events. */
export function undeliverable(message: unknown): { accountId: string; address: string }[] {
  const parsed = sesEvent.safeParse(message);
  if (!parsed.success) return [];
  const { eventType, mail, bounce, complaint } = parsed.data;
  const accountId = mail.tags?.[MAIL_ACCOUNT_TAG]?.[0];
  if (!accountId) return [];
  const recipients =
    eventType === 'Bounce' && bounce?.bounceType === 'Permanent'
      ? bounce.bouncedRecipients
      : eventType === 'Complaint'
        ? (complaint?.complainedRecipients ?? [])
        : [];
  return recipients.map((r) => ({ accountId, address: r.emailAddress }));
}

/** A bounce or complaint report: the accounts whose current address it names are marked undeliverable. */
export async function recordUndeliverable(
  reports: { accountId: string; address: string }[],
  ports: MailFeedbackPorts,
): Promise<{ marked: number; stale: number }> {
  let marked = 0;
  for (const { accountId, address } of reports) {
    if (await ports.markUndeliverable(accountId, address)) marked += 1;
  }
  return { marked, stale: reports.length - marked };
}
