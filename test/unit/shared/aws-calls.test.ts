import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addTallies, type CallTally, callName, countAwsCalls, countInto } from '#functions/shared/aws-calls';
import { ENV } from '#functions/shared/env';

/**
 * The call counter (issue 18) on a real SDK client against a loopback KMS stand-in: one logical call counts
 * once whatever the SDK's retries, each request's calls land in its own tally however they interleave, and
 * `clients.ts` installs the counter, beside the throttle log, only where `XID_COUNT_AWS_CALLS` is `true`.
 */
let server: Server;
let endpoint: string;
let failNext = 0;
let attempts = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      attempts += 1;
      if (failNext > 0) {
        failNext -= 1;
        // A fault AWS may answer: the SDK retries it (5xx), as it would a throttle.
        return response
          .writeHead(500, { 'content-type': 'application/x-amz-json-1.1' })
          .end(JSON.stringify({ __type: 'KMSInternalException', message: 'try again' }));
      }
      const delay = request.headers['x-test-delay'] ? Number(request.headers['x-test-delay']) : 0;
      setTimeout(
        () =>
          response
            .writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
            .end(JSON.stringify({ KeyId: 'key', Plaintext: Buffer.from('k').toString('base64') })),
        delay,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const kmsClient = () =>
  new KMSClient({
    endpoint,
    region: 'ap-northeast-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 2,
  });
const decrypt = (client: KMSClient, delayMs = 0) => {
  const command = new DecryptCommand({ CiphertextBlob: Buffer.from('c') });
  if (delayMs) {
    command.middlewareStack.add(
      (next) => (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-test-delay'] = String(delayMs);
        return next(args);
      },
      { step: 'build' },
    );
  }
  return client.send(command);
};

describe('AWS call counting', () => {
  it('names a call by service and action', () => {
    expect(callName('DynamoDBClient', 'TransactWriteItemsCommand')).toBe('DynamoDB:TransactWriteItems');
    expect(addTallies({ 'KMS:Decrypt': 1 }, { 'KMS:Decrypt': 2, 'SNS:Publish': 1 })).toEqual({
      'KMS:Decrypt': 3,
      'SNS:Publish': 1,
    });
  });

  it('counts a retried call once, and a failed one too', async () => {
    const client = countAwsCalls(kmsClient());
    const calls: CallTally = {};
    failNext = 1;
    attempts = 0;
    await countInto(calls, () => decrypt(client));
    expect(attempts).toBe(2);
    expect(calls).toEqual({ 'KMS:Decrypt': 1 });
    failNext = 2;
    await expect(countInto(calls, () => decrypt(client))).rejects.toMatchObject({
      name: 'KMSInternalException',
    });
    expect(calls).toEqual({ 'KMS:Decrypt': 2 });
  });

  it("keeps each request's calls in its own tally while they interleave", async () => {
    const client = countAwsCalls(kmsClient());
    const slow: CallTally = {};
    const quick: CallTally = {};
    await Promise.all([
      countInto(slow, async () => {
        await decrypt(client, 50);
        await decrypt(client);
      }),
      countInto(quick, () => decrypt(client)),
    ]);
    expect(slow).toEqual({ 'KMS:Decrypt': 2 });
    expect(quick).toEqual({ 'KMS:Decrypt': 1 });
  });

  it('is installed by clients.ts only where XID_COUNT_AWS_CALLS is true', async () => {
    const names = async (flag: string | undefined) => {
      vi.resetModules();
      vi.stubEnv(ENV.countAwsCalls, flag);
      const clients = await import('#functions/shared/clients');
      return [clients.sdkKms(), clients.sdkSns()].map((client) =>
        client.middlewareStack.identify().filter((name) => name.startsWith('xid')),
      );
    };
    try {
      for (const stack of await names('true'))
        expect(stack.sort()).toEqual([
          'xidCountAwsCalls - initialize',
          'xidCountThrottles - finalizeRequest',
        ]);
      for (const flag of [undefined, 'false']) {
        for (const stack of await names(flag)) expect(stack).toEqual(['xidCountThrottles - finalizeRequest']);
      }
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
