import { createHash } from 'node:crypto';
import { reasonOf, reverificationMail, reverificationPush } from './messages.ts';
import type { RevocationList, StatusCheckPorts } from './ports.ts';

/**
 * The status check (現況確認, design.md §3.7). For each usable CRL it takes the serials that were not on
 * it at the previous run, looks each up in the certificate index, moves every account whose current
 * certificate is among them to `reverification_required`, and tells the resident once: a push to their
 * own device and, where the address is verified, a mail. Reads grow with the new revocations, never with
 * the number of accounts. A second run changes nothing and tells no one again; two runs at once are safe,
 * because every change is a conditional write and a notice is claimed before it is sent.
 *
 * A CRL's serials are recorded only when every notice it owed went out; otherwise the next run looks at
 * the same serials again and sends what was not sent (accounts already moved are not moved twice). The
 * serials new to a run are looked up once more by the next one (`SeenSerials.recent`).
 */
export interface StatusCheckSummary {
  crls: number;
  /** CRLs whose serials had not changed since the previous run. */
  unchanged: number;
  newSerials: number;
  /** Serials new at the previous run, looked up once more (see `SeenSerials`). */
  rechecked: number;
  /** Certificate index entries found for new serials. */
  registered: number;
  /** Accounts moved to reverification_required by this run. */
  moved: number;
  pushes: number;
  mails: number;
  /** Notices that could not be sent (they are tried again by the next run). */
  failed: number;
  /** CRLs whose state another run recorded first. */
  raced: number;
}

/** Digest of a CRL's serial set (sorted), to skip a CRL whose serials did not change. */
export function serialsDigest(sorted: readonly string[]): string {
  return createHash('sha256').update(sorted.join(',')).digest('base64url');
}

/** Runs `work` over `items` with at most `limit` at a time. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function runStatusCheck(
  ports: StatusCheckPorts,
  options: { concurrency?: number } = {},
): Promise<StatusCheckSummary> {
  const summary: StatusCheckSummary = {
    crls: 0,
    unchanged: 0,
    newSerials: 0,
    rechecked: 0,
    registered: 0,
    moved: 0,
    pushes: 0,
    mails: 0,
    failed: 0,
    raced: 0,
  };
  for (const crl of await ports.crls()) {
    summary.crls += 1;
    await checkOne(crl, ports, summary, options.concurrency ?? 16);
  }
  return summary;
}

async function checkOne(
  crl: RevocationList,
  ports: StatusCheckPorts,
  summary: StatusCheckSummary,
  concurrency: number,
): Promise<void> {
  const serials = [...crl.revoked.keys()].sort();
  const digest = serialsDigest(serials);
  const previous = await ports.seenSerials(crl.id);
  const same = previous?.digest === digest;
  if (same && previous.recent.size === 0) {
    summary.unchanged += 1;
    return;
  }
  const seen = previous && !same ? await previous.serials() : undefined;
  const fresh = !previous ? serials : !seen ? [] : serials.filter((serial) => !seen.has(serial));
  const freshSet = new Set(fresh);
  const recheck = [...(previous?.recent ?? [])].filter((s) => crl.revoked.has(s) && !freshSet.has(s));
  summary.newSerials += fresh.length;
  summary.rechecked += recheck.length;
  const accounts = await ports.accountsOf(crl.issuerSha256, [...fresh, ...recheck]);
  summary.registered += accounts.size;
  let complete = true;
  await eachLimited([...accounts], concurrency, async ([serial, accountId]) => {
    const entry = crl.revoked.get(serial);
    if (!entry) return;
    const reason = reasonOf(entry.reason);
    const moved = await ports.requireReverification(
      accountId,
      { issuerSha256: crl.issuerSha256, serial },
      { reason, since: new Date(entry.revocationDate).toISOString() },
    );
    if (moved === 'moved') summary.moved += 1;
    // A notice is claimed also when an earlier run moved the account but stopped before telling.
    if (moved === 'none') return;
    const recipient = await ports.claimNotice(accountId);
    if (!recipient) return;
    try {
      if (recipient.endpointArn) {
        if ((await ports.pushToDevice(recipient.endpointArn, reverificationPush(reason))) === 'sent')
          summary.pushes += 1;
      }
      if (recipient.email) {
        await ports.sendMail(accountId, recipient.email, reverificationMail(reason));
        summary.mails += 1;
      }
    } catch {
      complete = false;
      summary.failed += 1;
      await ports.releaseNotice(accountId);
    }
  });
  if (!complete) return;
  const recorded = await ports.recordSerials(crl.id, previous?.digest, {
    digest,
    serials,
    recent: fresh,
    label: crl.label,
    thisUpdate: crl.thisUpdate,
  });
  if (!recorded) summary.raced += 1;
}
