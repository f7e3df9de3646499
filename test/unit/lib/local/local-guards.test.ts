import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '#lib/local/loopback';
import { readSnsDelivery, snsPath } from '#lib/local/notices';

const SECRET = 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0';
const message = {
  Type: 'Notification',
  MessageId: 'm-1',
  TopicArn: 'arn:aws:sns:ap-northeast-1:123456789012:xid-local-ingest-131091',
  Message: '{}',
  Timestamp: '2026-11-27T03:00:00.000Z',
};
const snsHeaders = { 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-topic-arn': message.TopicArn };
const body = (value: unknown) => Buffer.from(JSON.stringify(value));
const read = (path: string, headers: Record<string, string>, payload: Buffer) =>
  readSnsDelivery(path, headers, payload, SECRET);

describe('the local SNS endpoints', () => {
  it('accept what SNS delivers, at the secret path', () => {
    expect(read(snsPath(SECRET, 'ingest'), snsHeaders, body(message))).toEqual({ kind: 'ingest', message });
    expect(
      read(snsPath(SECRET, 'push'), { 'x-amz-sns-message-type': 'Notification' }, body(message)),
    ).toEqual({
      kind: 'push',
      message,
    });
  });

  it.each([
    ['the old path without the secret', '/_local/sns/ingest', snsHeaders, body(message), 'not_found'],
    ['another secret', snsPath(`${SECRET.slice(0, -1)}x`, 'ingest'), snsHeaders, body(message), 'not_found'],
    [
      'no x-amz-sns-message-type (a cross-site form post)',
      snsPath(SECRET, 'ingest'),
      {},
      body(message),
      'forbidden',
    ],
    [
      'a message type that is not the body’s',
      snsPath(SECRET, 'ingest'),
      { 'x-amz-sns-message-type': 'SubscriptionConfirmation' },
      body(message),
      'forbidden',
    ],
    [
      'another topic in x-amz-sns-topic-arn',
      snsPath(SECRET, 'ingest'),
      { ...snsHeaders, 'x-amz-sns-topic-arn': 'arn:aws:sns:ap-northeast-1:123456789012:other' },
      body(message),
      'forbidden',
    ],
    [
      'a body that is not JSON',
      snsPath(SECRET, 'ingest'),
      snsHeaders,
      Buffer.from('Type=Notification'),
      'malformed_json',
    ],
    [
      'JSON without the SNS members',
      snsPath(SECRET, 'ingest'),
      snsHeaders,
      body({ Type: 'Notification' }),
      'invalid_request',
    ],
    ['a JSON array', snsPath(SECRET, 'ingest'), snsHeaders, body([message]), 'invalid_request'],
  ])('refuse %s', (_, path, headers, payload, code) => {
    expect(read(path, headers, payload)).toEqual({ refuse: code });
  });

  it('never throw, whatever the path, headers and body', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.uint8Array({ maxLength: 200 }), (path, type, bytes) => {
        const result = read(`/_local/sns/${path}`, { 'x-amz-sns-message-type': type }, Buffer.from(bytes));
        expect('refuse' in result || 'kind' in result).toBe(true);
      }),
    );
  });
});

describe('loopback names', () => {
  it.each([
    ['127.0.0.1:3000', true],
    ['127.0.0.1', true],
    ['localhost:8005', true],
    ['LOCALHOST', true],
    ['[::1]:3000', true],
    [undefined, false],
    ['', false],
    ['evil.example:3000', false],
    ['127.0.0.1.evil.example', false],
    ['localhost.evil.example:3000', false],
    ['127.0.0.2:3000', false],
    ['[::1]evil:3000', false],
  ])('%s is loopback: %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});
