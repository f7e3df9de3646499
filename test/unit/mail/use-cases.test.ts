import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadEvent } from '#events/load';
import type { EmailState, MailPorts, StoredEmailToken } from '#functions/mail/ports';
import {
  MAILS_PER_HOUR,
  recordUndeliverable,
  resendEmail,
  setEmail,
  TOKEN_TTL_SECONDS,
  undeliverable,
  verifyEmail,
} from '#functions/mail/use-cases';
import { ProblemError } from '#functions/shared/problems';
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
  sent: { to: string; text: string }[];
  now: Date;
  sesDown: boolean;
  log: ReturnType<typeof memoryActivityLog>;
  /** The address the confirmation indexed for sign-in hints. */
  indexed?: string;
}

let box: Mailbox;
let counter = 0;
const hash = (token: string) => createHash('sha256').update(token).digest('hex');

beforeEach(() => {
  counter = 0;
  const b = {
    tokens: new Map(),
    sent: [],
    now: T0,
    sesDown: false,
    log: memoryActivityLog(),
  } as unknown as Mailbox;
  b.ports = {
    emailState: async (id) => ({ exists: id === ACCOUNT, email: id === ACCOUNT ? b.email : undefined }),
    recordMail: async (id, next, token, previous, activity) => {
      if ((b.email?.revision ?? 0) !== previous) throw new ProblemError('service_unavailable');
      b.email = next;
      if (activity) b.log.append(id, activity);
      b.tokens.set(token.hash, { accountId: ACCOUNT, expiresAt: token.expiresAt, hash: token.hash });
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
    send: async (to, content) => {
      if (b.sesDown) throw new Error('SES AccessDenied');
      b.sent.push({ to, text: content.text });
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

  it('sends first and records after: when SES fails nothing is stored (503 mail_unavailable, cause kept)', async () => {
    box.sesDown = true;
    const error = await setEmail(ACCOUNT, 'hanako@example.jp', BASE, box.ports).catch((e: ProblemError) => e);
    expect((error as ProblemError).code).toBe('mail_unavailable');
    expect(((error as ProblemError).cause as Error).message).toBe('SES AccessDenied');
    expect(box.email).toBeUndefined();
    expect(box.tokens.size).toBe(0);
    expect(box.log.entries(ACCOUNT)).toEqual([]);
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

  it('answers 401 for a token whose account is gone', async () => {
    expect(
      await codeOf(setEmail('00000000-0000-4000-8000-00000000ffff', 'a@example.jp', BASE, box.ports)),
    ).toBe('unauthorized');
  });
});

describe('resending', () => {
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
