import { describe, expect, it } from 'vitest';
import { isDependencyFailure } from '#functions/shared/dependency-failure';
import { ProblemError } from '#functions/shared/problems';

describe('dependency failures', () => {
  it.each([
    ['a 5xx SDK error', Object.assign(new Error('x'), { $fault: 'server' })],
    [
      'a throttled SDK call',
      Object.assign(new Error('x'), { name: 'ThrottlingException', $fault: 'client' }),
    ],
    [
      'DynamoDB throughput exceeded',
      Object.assign(new Error('x'), { name: 'ProvisionedThroughputExceededException' }),
    ],
    ['a refused connection', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })],
    ['a reset socket inside the SDK error', Object.assign(new Error('x'), { cause: { code: 'ECONNRESET' } })],
    ['a request timeout', Object.assign(new Error('x'), { name: 'TimeoutError' })],
    ['an HTTP 503 answer', Object.assign(new Error('x'), { $metadata: { httpStatusCode: 503 } })],
  ])('counts %s', (_, error) => {
    expect(isDependencyFailure(error)).toBe(true);
  });

  it.each([
    ['a bug', new TypeError('undefined is not a function')],
    ['a refusal of ours', new ProblemError('invalid_request')],
    [
      'an access denial (our configuration, not an outage)',
      Object.assign(new Error('x'), { name: 'AccessDeniedException', $fault: 'client' }),
    ],
    [
      'a condition that did not hold',
      Object.assign(new Error('x'), { name: 'ConditionalCheckFailedException', $fault: 'client' }),
    ],
    ['nothing', undefined],
  ])('does not count %s', (_, error) => {
    expect(isDependencyFailure(error)).toBe(false);
  });
});
