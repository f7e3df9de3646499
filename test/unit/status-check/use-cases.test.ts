import { describe, expect, it } from 'vitest';
import { reasonOf, SUBJECT } from '#functions/status-check/messages';
import type {
  Recipient,
  RevocationEntry,
  RevocationList,
  SeenSerials,
  StatusCheckPorts,
} from '#functions/status-check/ports';
import { runStatusCheck } from '#functions/status-check/use-cases';

/**
 * The status check's rules over in-memory ports (design.md §3.7): who is moved, who is told and how
 * often, what is read, and what two runs at once or a failed mail do.
 */
const ISSUER = 'issuer-sha256';
const REVOKED_AT = Date.UTC(2026, 5, 1, 3, 0, 0);

interface Account {
  status: string;
  serial: string;
  reverification?: { reason: string; since: string };
  notice?: 'pending';
  recipient: Recipient;
}

function world(accounts: Record<string, Account>) {
  const state = new Map<string, SeenSerials>();
  const lookups: string[][] = [];
  const pushes: { endpointArn: string; message: string }[] = [];
  const mails: { to: string; subject: string; text: string }[] = [];
  let crls: RevocationList[] = [];
  let failMail = 0;
  let loads = 0;
  const ports: StatusCheckPorts = {
    crls: async () => crls,
    seenSerials: async (id) => state.get(id),
    recordSerials: async (id, previous, next) => {
      if (state.get(id)?.digest !== previous) return false;
      const serials = new Set(next.serials);
      const load = async () => {
        loads += 1;
        return serials;
      };
      state.set(id, { digest: next.digest, recent: new Set(next.recent), serials: load });
      return true;
    },
    accountsOf: async (issuer, serials) => {
      lookups.push([...serials]);
      const found = new Map<string, string>();
      for (const [id, account] of Object.entries(accounts))
        if (issuer === ISSUER && serials.includes(account.serial)) found.set(account.serial, id);
      return found;
    },
    requireReverification: async (id, certificate, reverification) => {
      const account = accounts[id];
      const movable =
        account?.serial === certificate.serial &&
        (account.status === 'active' || account.status === 'pending_activation');
      if (!movable) return account?.notice === 'pending' ? 'owed' : 'none';
      Object.assign(account, { status: 'reverification_required', reverification, notice: 'pending' });
      return 'moved';
    },
    claimNotice: async (id) => {
      const account = accounts[id];
      if (account?.notice !== 'pending') return undefined;
      account.notice = undefined;
      return account.recipient;
    },
    releaseNotice: async (id) => {
      const account = accounts[id];
      if (account) account.notice = 'pending';
    },
    pushToDevice: async (endpointArn, message) => {
      if (endpointArn.includes('disabled')) return 'disabled';
      pushes.push({ endpointArn, message });
      return 'sent';
    },
    sendMail: async (_id, to, content) => {
      if (failMail > 0) {
        failMail -= 1;
        throw new Error('SES throttled');
      }
      mails.push({ to, subject: content.subject, text: content.text });
    },
  };
  return {
    ports,
    lookups,
    pushes,
    mails,
    publish: (entries: Record<string, RevocationEntry>, id = 'tokyo-shinagawa') => {
      crls = [
        {
          id,
          label: 'C=JP, …, CN=Shinagawa-ku',
          issuerSha256: ISSUER,
          thisUpdate: new Date(),
          revoked: new Map(Object.entries(entries)),
        },
      ];
    },
    /** How often a recorded serial set was read back. */
    loads: () => loads,
    failNextMails: (count: number) => {
      failMail = count;
    },
  };
}

const resident = (serial: string, recipient: Recipient = {}): Account => ({
  status: 'active',
  serial,
  recipient,
});
const entry = (reason?: number): RevocationEntry => ({ revocationDate: REVOKED_AT, reason });

describe('status check', () => {
  it('moves the account of a newly revoked certificate, with the reason and when, and tells the resident once', async () => {
    const accounts = { a1: resident('0a', { endpointArn: 'arn:endpoint/a1', email: 'a1@example.jp' }) };
    const w = world(accounts);
    w.publish({ '0a': entry(3), '0b': entry(1) });
    const summary = await runStatusCheck(w.ports);
    expect(accounts.a1).toMatchObject({
      status: 'reverification_required',
      reverification: { reason: 'basic_items_changed', since: new Date(REVOKED_AT).toISOString() },
    });
    expect(summary).toMatchObject({ crls: 1, newSerials: 2, registered: 1, moved: 1, pushes: 1, mails: 1 });
    expect(w.pushes).toHaveLength(1);
    expect(JSON.parse(JSON.parse(w.pushes[0]?.message ?? '{}').APNS)).toMatchObject({
      type: 'reverification_required',
      reason: 'basic_items_changed',
    });
    expect(w.mails).toEqual([
      {
        to: 'a1@example.jp',
        subject: SUBJECT,
        text: expect.stringMatching(/基本4情報[\s\S]*----[\s\S]*basic information/),
      },
    ]);
  });

  it('changes nothing and tells no one on a second run over the same CRL', async () => {
    const accounts = { a1: resident('0a', { endpointArn: 'arn:endpoint/a1', email: 'a1@example.jp' }) };
    const w = world(accounts);
    w.publish({ '0a': entry(3) });
    await runStatusCheck(w.ports);
    const again = await runStatusCheck(w.ports);
    expect(again).toMatchObject({ newSerials: 0, rechecked: 1, moved: 0, pushes: 0, mails: 0 });
    expect(await runStatusCheck(w.ports)).toMatchObject({ unchanged: 1, rechecked: 0, moved: 0 });
    expect(w.lookups).toEqual([['0a'], ['0a']]);
    expect(w.loads()).toBe(0); // the digest said it all
    expect(w.pushes).toHaveLength(1);
    expect(w.mails).toHaveLength(1);
  });

  it('finds a registration that committed after the run that first saw its serial, at the next run', async () => {
    const accounts: Record<string, Account> = {};
    const w = world(accounts);
    w.publish({ '0a': entry(3) });
    expect(await runStatusCheck(w.ports)).toMatchObject({ newSerials: 1, registered: 0 });
    // Verified against a CRL read just before the revocation appeared, the registration lands now.
    accounts.late = resident('0a', { email: 'late@example.jp' });
    expect(await runStatusCheck(w.ports)).toMatchObject({ rechecked: 1, moved: 1, mails: 1 });
    expect(accounts.late?.status).toBe('reverification_required');
  });

  it('looks up only the serials that are new since the previous run', async () => {
    const w = world({ a1: resident('0a'), a2: resident('0c') });
    w.publish({ '0a': entry(3), '0b': entry() });
    await runStatusCheck(w.ports);
    await runStatusCheck(w.ports); // looks at the first run's new serials once more
    w.publish({ '0a': entry(3), '0b': entry(), '0c': entry(4) });
    const summary = await runStatusCheck(w.ports);
    expect(w.lookups).toEqual([['0a', '0b'], ['0a', '0b'], ['0c']]);
    expect(w.loads()).toBe(1);
    expect(summary).toMatchObject({ newSerials: 1, rechecked: 0, moved: 1 });
  });

  it('sends no mail to an unverified address and no push where none is registered', async () => {
    const w = world({ a1: resident('0a', {}) });
    w.publish({ '0a': entry(1) });
    expect(await runStatusCheck(w.ports)).toMatchObject({ moved: 1, pushes: 0, mails: 0 });
  });

  it('still mails when the device endpoint is disabled', async () => {
    const w = world({ a1: resident('0a', { endpointArn: 'arn:endpoint/disabled', email: 'a@example.jp' }) });
    w.publish({ '0a': entry(5) });
    expect(await runStatusCheck(w.ports)).toMatchObject({ pushes: 0, mails: 1 });
  });

  it('leaves an account alone whose current certificate is another one, or that is already waiting', async () => {
    const renewed = resident('0f');
    const waiting: Account = { ...resident('0a'), status: 'reverification_required' };
    const w = world({ renewed, waiting });
    w.publish({ '0a': entry(3), '0e': entry(4) });
    expect(await runStatusCheck(w.ports)).toMatchObject({ registered: 1, moved: 0, pushes: 0, mails: 0 });
    expect(renewed.status).toBe('active');
  });

  it('moves and tells once when two runs go at the same time', async () => {
    const accounts = { a1: resident('0a', { endpointArn: 'arn:endpoint/a1', email: 'a1@example.jp' }) };
    const w = world(accounts);
    w.publish({ '0a': entry(3) });
    const [first, second] = await Promise.all([runStatusCheck(w.ports), runStatusCheck(w.ports)]);
    expect((first?.moved ?? 0) + (second?.moved ?? 0)).toBe(1);
    expect(w.pushes).toHaveLength(1);
    expect(w.mails).toHaveLength(1);
    expect((first?.raced ?? 0) + (second?.raced ?? 0)).toBe(1);
  });

  it('tries a notice again on the next run when sending failed, and records the CRL only then', async () => {
    const accounts = { a1: resident('0a', { email: 'a1@example.jp' }) };
    const w = world(accounts);
    w.publish({ '0a': entry(3) });
    w.failNextMails(1);
    expect(await runStatusCheck(w.ports)).toMatchObject({ moved: 1, mails: 0, failed: 1 });
    expect(await runStatusCheck(w.ports)).toMatchObject({ moved: 0, mails: 1, failed: 0 });
    expect(await runStatusCheck(w.ports)).toMatchObject({ rechecked: 1, mails: 0 });
    expect(await runStatusCheck(w.ports)).toMatchObject({ unchanged: 1, mails: 0 });
    expect(w.mails).toHaveLength(1);
  });
});

describe('reasons', () => {
  it('map CRL reason codes as design.md §3.7 says', () => {
    expect([3, 4, 1, 5, 6, 0, 2, 9, undefined].map(reasonOf)).toEqual([
      'basic_items_changed',
      'certificate_renewed',
      'key_compromise',
      'certificate_discontinued',
      'certificate_suspended',
      'certificate_revoked',
      'certificate_revoked',
      'certificate_revoked',
      'certificate_revoked',
    ]);
  });
});
