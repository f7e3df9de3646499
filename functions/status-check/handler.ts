import type { ScheduledEvent } from 'aws-lambda';
import { crlStateStore } from '../adapters/crl-state-store.ts';
import { endpointPush } from '../adapters/endpoint-push.ts';
import { revocationChecker, revocationLists, trustAnchors } from '../adapters/jpki.ts';
import { sendMail } from '../adapters/mailer.ts';
import { reverificationStore } from '../adapters/reverification-store.ts';
import type { RevocationChecker } from '../jpki/crl.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { logger, metrics } from '../shared/powertools.ts';
import type { StatusCheckPorts } from './ports.ts';
import { runStatusCheck, type StatusCheckSummary } from './use-cases.ts';

/**
 * The status check (現況確認), run by an EventBridge schedule (design.md §3.7; locally `npm run
 * status-check`). It reads every CRL source afresh on each run. A failure is thrown: Lambda retries the
 * run, then its event goes to the dead-letter queue, whose alarm tells operators; whatever a run had done
 * is kept, and the next run carries on.
 */
const tableName = required(ENV.tableName);
// Anchors are loaded once per container (again after a failure); the CRL sources are read on every run.
let checker: Promise<RevocationChecker> | undefined;
const checkerOf = () => {
  checker ??= trustAnchors()
    .then((anchors) => revocationChecker(anchors, { refreshMs: 0, retryMs: 0 }))
    .catch((error: unknown) => {
      checker = undefined;
      throw error;
    });
  return checker;
};

const ports: StatusCheckPorts = {
  ...revocationLists(checkerOf),
  ...crlStateStore(tableName),
  ...reverificationStore(tableName),
  ...endpointPush,
  sendMail: (accountId, to, content) => sendMail(to, content, accountId),
};

export const handler = async (event: ScheduledEvent): Promise<StatusCheckSummary> => {
  const summary = await runStatusCheck(ports);
  logger.info('status check done', { ...summary, scheduledAt: event.time });
  for (const [name, value] of Object.entries(summary)) {
    metrics.addMetric(`StatusCheck${name[0]?.toUpperCase()}${name.slice(1)}`, 'Count', value);
  }
  metrics.publishStoredMetrics();
  if (summary.failed > 0)
    logger.warn('notices not sent; the next run tries again', { failed: summary.failed });
  return summary;
};
