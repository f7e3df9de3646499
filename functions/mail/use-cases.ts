import { createHash } from 'node:crypto';
import { MAIL_ACCOUNT_TAG } from '../shared/names.ts';
import { ProblemError } from '../shared/problems.ts';
import { normaliseEmailAddress } from './email-address.ts';
import type { VerificationOutcome } from './page.ts';
import type { EmailState, MailFeedbackPorts, MailPorts, MailQuota } from './ports.ts';
import {
  type EmailResendResponse,
  type EmailResponse,
  sesEvent,
  verificationTokenParameter,
} from './schemas.ts';
import { confirmationMail } from './template.ts';

/**
 * E-mail registration and confirmation (guide step 7, design.md §3.4). Sending is limited *before* a mail is
 * sent: a slot of the account's hourly quota and one of the recipient address's daily quota are taken with
 * conditional writes, so no number of parallel requests sends more than the limits allow. Then the link is
 * recorded (its hash, `delivery: 'sending'`), then the mail is sent, then the send is confirmed (`sent`). A
 * new link is the only one that works: older links die with a new address or a resend. If SES refuses,
 * the e-mail state goes back to what it was (the attempt still counts toward the limits).
 */
export const TOKEN_TTL_SECONDS = 24 * 60 * 60;
/** Mails per account per hour (design.md §3.4). */
export const MAILS_PER_HOUR = 5;
/** Mails to one address per day, across all accounts: nobody can mail-bomb an address through xID. */
export const MAILS_PER_RECIPIENT_PER_DAY = 6;

export const tokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** The quota key of a recipient: a hash of the address (case folded), never the address. */
export const recipientKey = (address: string) =>
  createHash('sha256').update(`xid/mail-recipient/v1\u0000${address.toLowerCase()}`, 'utf8').digest('hex');

const quotas = (accountId: string, address: string): MailQuota[] => [
  { kind: 'account', key: accountId, limit: MAILS_PER_HOUR, windowSeconds: 3600 },
  {
    kind: 'recipient',
    key: recipientKey(address),
    limit: MAILS_PER_RECIPIENT_PER_DAY,
    windowSeconds: 86_400,
  },
];

/** Takes a slot of every quota, or none: the first full one answers 429 and gives the others back. */
async function reserveSending(accountId: string, address: string, now: Date, ports: MailPorts) {
  const taken: { quota: MailQuota; slot: number }[] = [];
  for (const quota of quotas(accountId, address)) {
    const result = await ports.reserveSlot(quota, now);
    if ('slot' in result) {
      taken.push({ quota, slot: result.slot });
      continue;
    }
    for (const { quota: q, slot } of taken) await ports.releaseSlot(q, slot, now);
    throw new ProblemError(
      'rate_limited',
      quota.kind === 'account'
        ? `At most ${MAILS_PER_HOUR} mails an hour`
        : `At most ${MAILS_PER_RECIPIENT_PER_DAY} mails a day to one address`,
      { retryAfterSeconds: result.retryAfterSeconds },
    );
  }
  return taken;
}

async function mailLink(
  accountId: string,
  address: string,
  current: EmailState | undefined,
  linkBase: string,
  ports: MailPorts,
  /** A resend's check that the address is still the unconfirmed one, run again when the link is refused. */
  resend?: (email: EmailState | undefined) => void,
): Promise<EmailState> {
  const now = ports.now();
  const reserved = await reserveSending(accountId, address, now, ports);
  const token = ports.newToken();
  const next: EmailState = {
    address,
    verified: false,
    deliverable: true,
    tokenHash: tokenHash(token),
    requestedAt: now.toISOString(),
    delivery: 'sending',
    revision: (current?.revision ?? 0) + 1,
  };
  const recorded = await ports.recordLink(
    accountId,
    next,
    { hash: next.tokenHash as string, expiresAt: new Date(now.getTime() + TOKEN_TTL_SECONDS * 1000) },
    resend ? address : undefined,
  );
  if (!recorded) {
    for (const { quota, slot } of reserved) await ports.releaseSlot(quota, slot, now);
    await refusedLink(accountId, ports, resend);
  }
  try {
    await ports.send(address, confirmationMail(`${linkBase}/v1/email-verifications/${token}`), accountId);
  } catch (error) {
    if (sesAnswered(error)) {
      // SES said no: nothing went out. Best effort: if even this fails, the state names a link that was
      // never mailed; a resend replaces it.
      await ports.undoLink(accountId, current, next.tokenHash as string).catch(() => undefined);
      throw new ProblemError('mail_unavailable', undefined, { cause: error });
    }
    // No answer (a timeout, a dropped connection): the mail may well have gone out. The link stays, so
    // that it works if it arrives, and the same request again sends nothing (see `setEmail`).
    throw new ProblemError('mail_unavailable', 'The mail may have been sent; its link works if it arrives', {
      cause: error,
    });
  }
  // The mail is out: failing to say so must not make the client send again (the link works either way).
  // A new address (not a resend) goes into the activity log with it.
  const activity = resend ? undefined : ({ type: 'email_set', at: now } as const);
  await ports.confirmSent(accountId, next.tokenHash as string, activity).catch(() => undefined);
  return { ...next, delivery: 'sent' };
}

/**
 * Whether the send surely did not go out: SES answered with an error, or no connection was ever made. A
 * connection reset or an answer that never came leaves it open (the mail may have been sent).
 */
function sesAnswered(error: unknown): boolean {
  const e = error as { $metadata?: { httpStatusCode?: number }; code?: string; cause?: { code?: string } };
  if (typeof e?.$metadata?.httpStatusCode === 'number') return true;
  // A connection that was never made (refused, not found, not made in time) sent nothing.
  const code = e?.code ?? e?.cause?.code;
  return code !== undefined && ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNTIMEOUT'].includes(code);
}

/** How long the same address set again counts as a retry of the same request (no new mail). */
export const SAME_REQUEST_SECONDS = 10 * 60;

/** Why a link was not recorded: the account is gone, the address changed (a resend), or a concurrent write. */
async function refusedLink(
  accountId: string,
  ports: MailPorts,
  resend?: (email: EmailState | undefined) => void,
): Promise<never> {
  const { exists, email } = await ports.emailState(accountId);
  if (!exists) throw new ProblemError('unauthorized');
  resend?.(email);
  // A concurrent write won: a 503 with the Retry-After of every dependency failure (middleware.ts).
  throw new ProblemError('service_unavailable', 'The e-mail state changed meanwhile; try again');
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
  // The same request again (its answer was lost, or it timed out while SES was not answering): the link it
  // made is still the account's, so no second mail. Another mail to the same address is `resend`.
  const sameRequest =
    email !== undefined &&
    !email.verified &&
    email.address === normalised.address &&
    ports.now().getTime() - Date.parse(email.requestedAt) < SAME_REQUEST_SECONDS * 1000;
  if (!sameRequest) await mailLink(accountId, normalised.address, email, linkBase, ports);
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
  const pending = (now: EmailState | undefined): void => {
    if (!now || now.verified || now.address !== email?.address) throw new ProblemError('email_not_pending');
  };
  pending(email);
  const address = (email as EmailState).address;
  await mailLink(accountId, address, email, linkBase, ports, pending);
  return { email: address, verified: false };
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
