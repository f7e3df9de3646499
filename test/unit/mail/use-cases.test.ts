import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadEvent } from '#events/load';
import type { EmailState, MailPorts, MailQuota, StoredEmailToken } from '#functions/mail/ports';
import {
  MAILS_PER_HOUR,
  MAILS_PER_RECIPIENT_PER_DAY,
  recipientKey,
  recordUndeliverable,
  resendEmail,
  setEmail,
  TOKEN_TTL_SECONDS,
  undeliverable,
  verifyEmail,
} from '#functions/mail/use-cases';
import type { ProblemError } from '#functions/shared/problems';
import { codeOf } from '#test/unit/support';
import { memoryActivityLog } from '../activity/memory-log.ts';

/** E-mail registration and confirmation (design.md §3.4) with every port in memory. */
const ACCOUNT = '00000000-0000-4000-8000-000000000001';
const BASE = 'https://api.example.jp';
const T0 = new Date('2026-11-27T03:00:00Z');

interface Mailbox {
  ports: MailPorts;
  email?: EmailState;
  tokens: Map<string, StoredEmailToken & { hash: string }>;
  sent: { to: string; text: string; stateWhenSent?: EmailState }[];
  /** Quota slots by `kind#key`: when each was taken (ms). */
  quotas: Map<string, number[]>;
  now: Date;
  sesDown: boolean;
  /** SES sends, but its answer is lost. */
  sesSilent?: boolean;
  log: ReturnType<typeof memoryActivityLog>;
  /** The address the confirmation indexed for sign-in hints. */
  indexed?: string;
  /** Another account ids that exist (for quotas across accounts). */
  others: Map<string, EmailState | undefined>;
}

let box: Mailbox;
let counter = 0;
const hash = (token: string) => createHash('sha256').update(token).digest('hex');

beforeEach(() => {
  counter = 0;
  const b = {
    tokens: new Map(),
    sent: [],
    quotas: new Map(),
    now: T0,
    sesDown: false,
    others: new Map(),
    log: memoryActivityLog(),
  } as unknown as Mailbox;
  const stateOf = (id: string) => (id === ACCOUNT ? b.email : b.others.get(id));
  const setState = (id: string, state: EmailState | undefined) => {
    if (id === ACCOUNT) b.email = state;
    else b.others.set(id, state);
  };
  b.ports = {
    emailState: async (id) => ({ exists: id === ACCOUNT || b.others.has(id), email: stateOf(id) }),
    reserveSlot: async (quota: MailQuota, now) => {
      const slots = b.quotas.get(`${quota.kind}#${quota.key}`) ?? [];
      b.quotas.set(`${quota.kind}#${quota.key}`, slots);
      const windowStart = now.getTime() - quota.windowSeconds * 1000;
      const recent = slots.filter((at) => at > windowStart);
      if (recent.length >= quota.limit) {
        const oldest = Math.min(...recent);
        return { retryAfterSeconds: Math.ceil((oldest + quota.windowSeconds * 1000 - now.getTime()) / 1000) };
      }
      slots.push(now.getTime());
      return { slot: slots.length - 1 };
    },
    releaseSlot: async (quota, slot) => {
      (b.quotas.get(`${quota.kind}#${quota.key}`) as number[])[slot] = Number.NEGATIVE_INFINITY;
    },
    recordLink: async (id, next, token, sameAddress) => {
      const current = stateOf(id);
      if (sameAddress !== undefined && (current?.address !== sameAddress || current.verified)) return false;
      setState(id, next);
      b.tokens.set(token.hash, { accountId: id, expiresAt: token.expiresAt, hash: token.hash });
      return true;
    },
    confirmSent: async (id, h, activity) => {
      const current = stateOf(id);
      if (current?.tokenHash !== h) return;
      setState(id, { ...current, delivery: 'sent' });
      if (activity) b.log.append(id, activity);
    },
    undoLink: async (id, previous, h) => {
      if (stateOf(id)?.tokenHash !== h) return;
      setState(id, previous);
      b.tokens.delete(h);
    },
    emailToken: async (h) => b.tokens.get(h),
    confirmEmail: async (id, h, now, address, activity) => {
      const token = b.tokens.get(h);
      if (!token || token.usedAt || token.expiresAt <= now || b.email?.tokenHash !== h) return false;
      b.indexed = address;
      token.usedAt = now.toISOString();
      b.log.append(id, activity);
      if (b.email) b.email = { ...b.email, verified: true, revision: b.email.revision + 1 };
      return true;
    },
    send: async (to, content, id) => {
      if (b.sesDown)
        throw Object.assign(new Error('SES AccessDenied'), { $metadata: { httpStatusCode: 403 } });
      if (b.sesSilent) {
        // SES took the mail but its answer never came (a dropped connection).
        b.sent.push({ to, text: content.text, stateWhenSent: structuredClone(stateOf(id)) });
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', $metadata: {} });
      }
      b.sent.push({ to, text: content.text, stateWhenSent: structuredClone(stateOf(id)) });
    },
    newToken: () => `${String(++counter).padStart(43, 'T')}`,
    now: () => b.now,
  };
  box = b;
});

const linkOf = (text: string) => /\/v1\/email-verifications\/([A-Za-z0-9_-]{43})/.exec(text)?.[1] as string;

describe('setting the address', () => {
  it('normalises it, warns about carrier domains, sends one mail, and stores only the link’s hash', async () => {
    const result = await setEmail(ACCOUNT, ' Hanako@DOCOMO.ne.jp ', BASE, box.ports);
    expect(result).toEqual({ email: 'Hanako@docomo.ne.jp', verified: false, warnings: ['carrier_domain'] });
    expect(box.sent).toHaveLength(1);
    const token = linkOf(box.sent[0]?.text ?? '');
    expect(box.sent[0]?.text).toContain(`${BASE}/v1/email-verifications/${token}`);
    expect(box.email?.tokenHash).toBe(hash(token));
    expect(JSON.stringify([...box.tokens.values()])).not.toContain(token);
    expect(box.tokens.get(hash(token))?.expiresAt).toEqual(new Date(T0.getTime() + TOKEN_TTL_SECONDS * 1000));
  });

  it('refuses an invalid address with 400 invalid_request, sending nothing', async () => {
    expect(await codeOf(setEmail(ACCOUNT, 'x@example.jp\r\nBcc: y@example.jp', BASE, box.ports))).toBe(
      'invalid_request',
    );
    expect(box.sent).toEqual([]);
    expect(box.email).toBeUndefined();
  });

  it('records the link before sending (delivery "sending"), and confirms it after ("sent")', async () => {
    await setEmail(ACCOUNT, 'hanako@example.jp', BASE, box.ports);
    const token = linkOf(box.sent[0]?.text ?? '');
    expect(box.sent[0]?.stateWhenSent).toMatchObject({ tokenHash: hash(token), delivery: 'sending' });
    expect(box.tokens.has(hash(token))).toBe(true);
    expect(box.email?.delivery).toBe('sent');
  });

  it('when SES fails, puts the state back and deletes the link (503 mail_unavailable, cause kept)', async () => {
    await setEmail(ACCOUNT, 'old@example.jp', BASE, box.ports);
    const before = structuredClone(box.email);
    const tokensBefore = [...box.tokens.keys()];
    box.sesDown = true;
    const error = await setEmail(ACCOUNT, 'hanako@example.jp', BASE, box.ports).catch((e: ProblemError) => e);
    expect((error as ProblemError).code).toBe('mail_unavailable');
    expect(((error as ProblemError).cause as Error).message).toBe('SES AccessDenied');
    expect(box.email).toEqual(before);
    expect([...box.tokens.keys()]).toEqual(tokensBefore);
    // Only the first address, whose mail went out, is in the log.
    expect(box.log.types(ACCOUNT)).toEqual(['email_set']);
  });

  it('when SES does not answer, keeps the link (it works if the mail arrives), and the same request again sends no second mail', async () => {
    box.sesSilent = true;
    const error = await setEmail(ACCOUNT, 'hanako@example.jp', BASE, box.ports).catch((e: ProblemError) => e);
    expect((error as ProblemError).code).toBe('mail_unavailable');
    expect(box.sent).toHaveLength(1);
    box.sesSilent = false;
    // The app sends the same request again, as after any 503.
    expect(await setEmail(ACCOUNT, 'hanako@example.jp', BASE, box.ports)).toMatchObject({ verified: false });
    expect(box.sent).toHaveLength(1);
    // The one mail's link confirms the address.
    expect(await verifyEmail(linkOf(box.sent[0]?.text ?? ''), box.ports)).toBe('confirmed');
    expect(box.email?.verified).toBe(true);
  });

  it(`allows ${MAILS_PER_HOUR} mails an hour per account, then 429 with Retry-After until the oldest is an hour old`, async () => {
    for (let i = 0; i < MAILS_PER_HOUR; i++) {
      box.now = new Date(T0.getTime() + i * 60_000);
      expect(await codeOf(setEmail(ACCOUNT, `h${i}@example.jp`, BASE, box.ports))).toBe('ok');
    }
    box.now = new Date(T0.getTime() + 10 * 60_000);
    const refused = await resendEmail(ACCOUNT, BASE, box.ports).catch((e: ProblemError) => e);
    expect((refused as ProblemError).code).toBe('rate_limited');
    expect((refused as ProblemError).extra.retryAfterSeconds).toBe(50 * 60);
    expect(box.sent).toHaveLength(MAILS_PER_HOUR);
    box.now = new Date(T0.getTime() + 3_600_000);
    expect(await codeOf(resendEmail(ACCOUNT, BASE, box.ports))).toBe('ok');
  });

  it('sends at most the hourly limit to 20 requests made at once', async () => {
    const codes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => codeOf(setEmail(ACCOUNT, `p${i}@example.jp`, BASE, box.ports))),
    );
    expect(box.sent).toHaveLength(MAILS_PER_HOUR);
    expect(codes.filter((code) => code === 'ok')).toHaveLength(MAILS_PER_HOUR);
    expect(new Set(codes.filter((code) => code !== 'ok'))).toEqual(new Set(['rate_limited']));
  });

  it(`sends at most ${MAILS_PER_RECIPIENT_PER_DAY} mails a day to one address, whatever the accounts, and gives the account its slot back`, async () => {
    const accounts = ['A', 'B', 'C'].map((c) => `00000000-0000-4000-8000-00000000000${c}`);
    for (const id of accounts) box.others.set(id, undefined);
    const victim = 'victim@example.jp';
    const codes: string[] = [];
    // Each account sets the address, then asks for the mail again and again (the same address set again
    // soon is the same request, and sends nothing: another mail is a resend).
    for (let i = 0; i < 5; i++)
      for (const id of accounts)
        codes.push(
          await codeOf(i === 0 ? setEmail(id, victim, BASE, box.ports) : resendEmail(id, BASE, box.ports)),
        );
    expect(box.sent.filter((mail) => mail.to === victim)).toHaveLength(MAILS_PER_RECIPIENT_PER_DAY);
    expect(codes.filter((code) => code === 'rate_limited')).toHaveLength(15 - MAILS_PER_RECIPIENT_PER_DAY);
    const refused = await resendEmail(accounts[0] as string, BASE, box.ports).catch((e: ProblemError) => e);
    expect((refused as ProblemError).extra.retryAfterSeconds).toBe(86_400);
    // The refused requests took no account slot: the same accounts still mail other addresses.
    expect(await codeOf(setEmail(accounts[2] as string, 'other@example.jp', BASE, box.ports))).toBe('ok');
    // Only a hash of the address names its quota.
    expect([...box.quotas.keys()].join()).not.toContain('victim');
    expect(box.quotas.has(`recipient#${recipientKey(victim)}`)).toBe(true);
    expect(recipientKey('Victim@Example.JP')).toBe(recipientKey(victim));
  });

  it('answers 401 for a token whose account is gone', async () => {
    expect(
      await codeOf(setEmail('00000000-0000-4000-8000-00000000ffff', 'a@example.jp', BASE, box.ports)),
    ).toBe('unauthorized');
  });
});

describe('resending', () => {
  it('refuses when the address changed meanwhile (409 email_not_pending), sending nothing and keeping no slot', async () => {
    await setEmail(ACCOUNT, 'hanako@example.jp', BASE, box.ports);
    const recordLink = box.ports.recordLink;
    box.ports.recordLink = async (id, next, token, same) => {
      box.email = { ...(box.email as EmailState), address: 'changed@example.jp' };
      return recordLink(id, next, token, same);
    };
    expect(await codeOf(resendEmail(ACCOUNT, BASE, box.ports))).toBe('email_not_pending');
    expect(box.sent).toHaveLength(1);
    const taken = (box.quotas.get(`account#${ACCOUNT}`) ?? []).filter(Number.isFinite);
    expect(taken).toHaveLength(1);
  });

  it('needs an unconfirmed address (409 email_not_pending), and kills the older link', async () => {
    expect(await codeOf(resendEmail(ACCOUNT, BASE, box.ports))).toBe('email_not_pending');
    await setEmail(ACCOUNT, 'hanako@example.jp', BASE, box.ports);
    const first = linkOf(box.sent[0]?.text ?? '');
    await resendEmail(ACCOUNT, BASE, box.ports);
    const second = linkOf(box.sent[1]?.text ?? '');
    expect(await verifyEmail(first, box.ports)).toBe('expired');
    expect(await verifyEmail(second, box.ports)).toBe('confirmed');
    expect(await codeOf(resendEmail(ACCOUNT, BASE, box.ports))).toBe('email_not_pending');
    // A resend is not a new address: the log says the address was set once and verified once.
    expect(box.log.types(ACCOUNT)).toEqual(['email_set', 'email_verified']);
  });
});

describe('confirming', () => {
  it('confirms once; a second click says used; an old link expired; garbage unknown', async () => {
    await setEmail(ACCOUNT, 'hanako@example.jp', BASE, box.ports);
    const token = linkOf(box.sent[0]?.text ?? '');
    expect(await verifyEmail(token, box.ports)).toBe('confirmed');
    expect(box.email?.verified).toBe(true);
    expect(box.indexed).toBe('hanako@example.jp');
    expect(await verifyEmail(token, box.ports)).toBe('used');
    expect(box.log.types(ACCOUNT)).toEqual(['email_set', 'email_verified']);
    expect(JSON.stringify(box.log.entries(ACCOUNT))).not.toContain('hanako');
    expect(await verifyEmail('not-a-token', box.ports)).toBe('unknown');
    expect(await verifyEmail('A'.repeat(43), box.ports)).toBe('unknown');
  });

  it('answers expired after 24 hours', async () => {
    await setEmail(ACCOUNT, 'hanako@example.jp', BASE, box.ports);
    const token = linkOf(box.sent[0]?.text ?? '');
    box.now = new Date(T0.getTime() + TOKEN_TTL_SECONDS * 1000);
    expect(await verifyEmail(token, box.ports)).toBe('expired');
    expect(box.email?.verified).toBe(false);
  });
});

describe('SES feedback', () => {
  const message = () => JSON.parse(loadEvent('sns', 'ses-bounce').Records[0]?.Sns.Message as string);

  it('marks the recipients of a permanent bounce, for the tagged account', () => {
    expect(undeliverable(message())).toEqual([
      { accountId: '6b1d2c4e-0000-4000-8000-000000000001', address: 'hanako@example.jp' },
    ]);
  });

  it('ignores transient bounces and untagged mail, and marks complaints', () => {
    const transient = message();
    transient.bounce.bounceType = 'Transient';
    expect(undeliverable(transient)).toEqual([]);
    const untagged = message();
    untagged.mail.tags = {};
    expect(undeliverable(untagged)).toEqual([]);
    const complaint = {
      ...message(),
      eventType: 'Complaint',
      complaint: { complainedRecipients: [{ emailAddress: 'a@b.jp' }] },
    };
    expect(undeliverable(complaint)).toEqual([
      { accountId: '6b1d2c4e-0000-4000-8000-000000000001', address: 'a@b.jp' },
    ]);
    expect(undeliverable('garbage')).toEqual([]);
  });

  it('counts what it marked and what was stale (the address had changed)', async () => {
    const current = new Set(['A#a@b.jp']);
    const result = await recordUndeliverable(
      [
        { accountId: 'A', address: 'a@b.jp' },
        { accountId: 'A', address: 'old@b.jp' },
      ],
      { markUndeliverable: async (id, address) => current.has(`${id}#${address}`) },
    );
    expect(result).toEqual({ marked: 1, stale: 1 });
  });
});
