import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sendMail } from '#functions/adapters/mailer';
import { type CallTally, countInto } from '#functions/shared/aws-calls';
import { isDependencyFailure } from '#functions/shared/dependency-failure';
import { ENV } from '#functions/shared/env';
import { MAIL_ACCOUNT_TAG } from '#functions/shared/names';
import { type StandIn, startStandIn } from '#test/harness/stand-in';

/**
 * SES v2 `SendEmail` without the SES client: a SigV4-signed POST, tried once, against a loopback stand-in
 * that records what it was sent and answers as the test says (SES's error shape: `x-amzn-ErrorType`).
 */
let standIn: StandIn;
const seen = () => standIn.seen;

beforeAll(async () => {
  standIn = await startStandIn();
  vi.stubEnv(ENV.localSesEndpoint, standIn.url);
  vi.stubEnv(ENV.region, 'ap-northeast-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
  vi.stubEnv(ENV.mailFrom, 'no-reply@dev.xid.example.jp');
  vi.stubEnv(ENV.mailConfigurationSet, 'xid-dev-mail');
});

afterEach(() => {
  standIn.seen.length = 0;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await standIn.close();
});

const content = { subject: 'メールアドレスの確認', text: 'テキスト', html: '<p>HTML</p>' };
const ACCOUNT = '00000000-0000-4000-8000-000000000001';
const failureOf = (run: Promise<unknown>) =>
  run.then(
    () => undefined,
    (error: unknown) => error as Error & object,
  );

describe('sending a mail through SES v2', () => {
  it('POSTs the mail, signed for SES in the stage’s region, once, with the account tag and the configuration set', async () => {
    standIn.respond = (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"MessageId":"m"}');
    const tally: CallTally = {};
    await countInto(tally, async () => {
      vi.stubEnv(ENV.countAwsCalls, 'true');
      try {
        await sendMail('hanako@example.jp', content, ACCOUNT);
      } finally {
        vi.stubEnv(ENV.countAwsCalls, undefined);
      }
    });
    expect(seen()).toHaveLength(1);
    const [request] = seen();
    expect([request?.method, request?.url]).toEqual(['POST', '/v2/email/outbound-emails']);
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/ap-northeast-1\/ses\/aws4_request, SignedHeaders=[^,]*content-type;host[^,]*, Signature=[0-9a-f]{64}$/,
    );
    expect(JSON.parse(request?.body ?? '{}')).toEqual({
      FromEmailAddress: 'no-reply@dev.xid.example.jp',
      Destination: { ToAddresses: ['hanako@example.jp'] },
      ConfigurationSetName: 'xid-dev-mail',
      EmailTags: [{ Name: MAIL_ACCOUNT_TAG, Value: ACCOUNT }],
      Content: {
        Simple: {
          Subject: { Data: content.subject, Charset: 'UTF-8' },
          Body: {
            Text: { Data: content.text, Charset: 'UTF-8' },
            Html: { Data: content.html, Charset: 'UTF-8' },
          },
        },
      },
    });
    expect(tally).toEqual({ 'SES:SendEmail': 1 });
  });

  it('answers SES’s refusal as an error with its type and status, which is not an outage, and tries once', async () => {
    standIn.respond = (_req, res) =>
      res
        .writeHead(400, {
          'content-type': 'application/json',
          'x-amzn-ErrorType': 'MessageRejected:http://internal',
        })
        .end('{"message":"Email address is not verified: hanako@example.jp"}');
    const error = await failureOf(sendMail('hanako@example.jp', content, ACCOUNT));
    expect(error).toMatchObject({ name: 'MessageRejected', $metadata: { httpStatusCode: 400 } });
    // SES's message may name the address; the error (which reaches the logs) does not carry it.
    expect((error as Error).message).toBe('SES answered 400 MessageRejected');
    expect(isDependencyFailure(error)).toBe(false);
    expect(seen()).toHaveLength(1);
  });

  it('answers throttling and SES’s own failures as outages (503 to the client)', async () => {
    for (const [status, type] of [
      [429, 'TooManyRequestsException'],
      [500, 'InternalFailure'],
    ] as const) {
      standIn.respond = (_req, res) => res.writeHead(status, { 'x-amzn-ErrorType': type }).end('{}');
      const error = await failureOf(sendMail('hanako@example.jp', content, ACCOUNT));
      expect(error).toMatchObject({ name: type, $metadata: { httpStatusCode: status } });
      expect(isDependencyFailure(error)).toBe(true);
    }
  });

  it('reports a connection closed before any answer as an outage without a status (the mail may have gone out)', async () => {
    standIn.respond = (req) => req.socket.destroy();
    const error = await failureOf(sendMail('hanako@example.jp', content, ACCOUNT));
    expect(isDependencyFailure(error)).toBe(true);
    expect((error as { $metadata?: unknown }).$metadata).toBeUndefined();
    expect(seen()).toHaveLength(1);
  });
});
