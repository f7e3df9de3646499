import { randomUUID } from 'node:crypto';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { CallTally } from '#functions/shared/aws-calls';
import { ENV } from '#functions/shared/env';
import { topicArn } from '#functions/shared/names';
import type { InvocationRecord } from '#lib/local/invoker';

/**
 * The local runtime's record of invocations and the AWS calls each made (`/_local/invocations`), for the
 * call-count tests and `npm run bench:calls`. Run the runtime with `XID_ISOLATE` naming the functions
 * whose cold and warm starts matter: each then lives in its own container process, as in Lambda.
 */
export class LocalInvocations {
  constructor(readonly apiUrl: string) {}

  async all(): Promise<InvocationRecord[]> {
    const response = await fetch(`${this.apiUrl}/_local/invocations`);
    if (!response.ok) throw new Error(`/_local/invocations answered ${response.status}`);
    return (await response.json()) as InvocationRecord[];
  }

  /** The invocations of one function, oldest first. */
  async of(fn: string): Promise<InvocationRecord[]> {
    return (await this.all()).filter((r) => r.function === fn);
  }

  async clear(): Promise<void> {
    await fetch(`${this.apiUrl}/_local/invocations`, { method: 'DELETE' });
  }

  /** Ends the isolated functions' containers: their next invocations are cold starts. */
  async recycle(): Promise<void> {
    await fetch(`${this.apiUrl}/_local/containers`, { method: 'DELETE' });
  }

  /** Waits until `fn` has been invoked `count` times (event functions run after the request returned). */
  async waitFor(fn: string, count: number, timeoutMs = 30_000): Promise<InvocationRecord[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await this.of(fn);
      if (found.length >= count) return found;
      if (Date.now() > deadline) throw new Error(`${fn} was invoked ${found.length} times, not ${count}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const READS = ['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems'].map((a) => `DynamoDB:${a}`);

/** DynamoDB reads of a tally (every read action). */
export const dynamoReads = (calls: CallTally) => READS.reduce((n, name) => n + (calls[name] ?? 0), 0);

/** The calls of one service (`KMS`, `DynamoDB` …). */
export const callsTo = (service: string, calls: CallTally): CallTally =>
  Object.fromEntries(Object.entries(calls).filter(([name]) => name.startsWith(`${service}:`)));

/** The notice the call counts are measured with: a disaster notice of 品川区, new each time. */
export const disasterNotice = () => ({
  schema: 'xid/notice/v1',
  noticeId: randomUUID(),
  title: '避難指示',
  body: '品川区全域に避難指示を発令しました。',
  category: 'disaster',
  publishedAt: new Date().toISOString(),
});

/** Publishes a notice to a municipality's ingest topic in a local runtime, as its publisher would. */
export async function publishToIngest(
  sns: SNSClient,
  environment: Record<string, string>,
  code: string,
  notice: object = disasterNotice(),
): Promise<void> {
  await sns.send(
    new PublishCommand({
      TopicArn: topicArn(environment[ENV.topicPrefix] as string, 'ingest', code),
      Message: JSON.stringify(notice),
    }),
  );
}
