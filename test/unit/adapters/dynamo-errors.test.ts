import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
  TransactionConflictException,
  TransactionInProgressException,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { attemptWrite, writeFailure } from '#functions/adapters/dynamo-errors';
import { DEPENDENCY_RETRY_AFTER_SECONDS } from '#functions/shared/dependency-failure';
import { ProblemError } from '#functions/shared/problems';

/** A transaction cancelled with one reason code per item, as DynamoDB reports it. */
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
const meta = { $metadata: {}, message: 'fake' };

const fails = (error: unknown) => () => Promise.reject(error);

describe('writeFailure: one reading of every way a write fails', () => {
  it.each([
    ['ConditionalCheckFailed', 'refused'],
    ['TransactionConflict', 'refused'],
    ['ThrottlingError', 'retryable'],
    ['ProvisionedThroughputExceeded', 'retryable'],
    ['ValidationError', 'error'],
    ['ItemCollectionSizeLimitExceeded', 'error'],
  ])('a transaction cancelled with %s on the decisive item is %s', (code, kind) => {
    expect(writeFailure(cancelled('None', code), [1]).kind).toBe(kind);
  });

  it('a conflict on an item that decides nothing is retryable, a condition failing there is ours', () => {
    expect(writeFailure(cancelled('None', 'TransactionConflict'), [0])).toEqual({
      kind: 'retryable',
      reason: 'TransactionConflict',
    });
    expect(writeFailure(cancelled('None', 'ConditionalCheckFailed'), [0]).kind).toBe('error');
  });

  it('takes the decisive items in the order given', () => {
    const error = cancelled('ConditionalCheckFailed', 'ConditionalCheckFailed');
    expect(writeFailure(error, [1, 0])).toEqual({ kind: 'refused', index: 1 });
    expect(writeFailure(error, [0, 1])).toEqual({ kind: 'refused', index: 0 });
  });

  it('reads single-item writes as item 0', () => {
    expect(writeFailure(new ConditionalCheckFailedException(meta), [0])).toEqual({
      kind: 'refused',
      index: 0,
    });
    expect(writeFailure(new TransactionConflictException(meta), [0])).toEqual({ kind: 'refused', index: 0 });
    expect(writeFailure(new TransactionConflictException(meta), []).kind).toBe('retryable');
    expect(writeFailure(new ProvisionedThroughputExceededException(meta), [0]).kind).toBe('retryable');
    expect(writeFailure(new TransactionInProgressException(meta), [0]).kind).toBe('retryable');
    expect(writeFailure(new ConditionalCheckFailedException(meta), []).kind).toBe('error');
    expect(writeFailure(new Error('AccessDeniedException'), [0]).kind).toBe('error');
    // Throttling is read as dependency-failure.ts reads it: by name, or by the SDK's retry hint.
    const hinted = Object.assign(new Error('slow down'), { $retryable: { throttling: true } });
    expect(writeFailure(hinted, [0])).toEqual({ kind: 'retryable', reason: 'Error' });
  });
});

describe('attemptWrite', () => {
  it('resolves undefined when written, and the refusing index when a decisive item lost', async () => {
    expect(await attemptWrite(async () => 'ok', [0])).toBeUndefined();
    expect(await attemptWrite(fails(cancelled('TransactionConflict', 'None')), [1, 0])).toBe(0);
    expect(await attemptWrite(fails(cancelled('None', 'ConditionalCheckFailed')), [1, 0])).toBe(1);
  });

  it('answers a retryable failure with 503 service_unavailable and Retry-After', async () => {
    for (const error of [
      cancelled('None', 'TransactionConflict'),
      cancelled('ThrottlingError', 'None'),
      new ProvisionedThroughputExceededException(meta),
    ]) {
      const thrown = await attemptWrite(fails(error), [0]).catch((e: unknown) => e);
      expect(thrown).toBeInstanceOf(ProblemError);
      expect((thrown as ProblemError).code).toBe('service_unavailable');
      expect((thrown as ProblemError).extra.retryAfterSeconds).toBe(DEPENDENCY_RETRY_AFTER_SECONDS);
      expect((thrown as ProblemError).extra.cause).toBe(error);
    }
  });

  it('rethrows anything else untouched', async () => {
    const denied = new Error('User is not authorized to perform: dynamodb:PutItem');
    await expect(attemptWrite(fails(denied), [0])).rejects.toBe(denied);
    const validation = cancelled('ValidationError', 'None');
    await expect(attemptWrite(fails(validation), [0])).rejects.toBe(validation);
  });
});

describe('attemptWrite and transaction conflicts', () => {
  /** A write that fails with each error given, in turn, then succeeds; and how often it was tried. */
  const flaky = (...errors: unknown[]) => {
    let tries = 0;
    return {
      write: async () => {
        const error = errors[tries];
        tries += 1;
        if (error) throw error;
      },
      tries: () => tries,
    };
  };

  it('tries once more after a conflict on an item that decides nothing, and succeeds quietly', async () => {
    const once = flaky(cancelled('None', 'TransactionConflict'));
    expect(await attemptWrite(once.write, [0])).toBeUndefined();
    expect(once.tries()).toBe(2);
    const single = flaky(new TransactionConflictException(meta));
    expect(await attemptWrite(single.write)).toBeUndefined();
    expect(single.tries()).toBe(2);
  });

  it('answers 503 when the second try conflicts too, having tried exactly twice', async () => {
    const twice = flaky(cancelled('None', 'TransactionConflict'), cancelled('None', 'TransactionConflict'));
    const thrown = await attemptWrite(twice.write, [0]).catch((e: unknown) => e);
    expect((thrown as ProblemError).code).toBe('service_unavailable');
    expect(twice.tries()).toBe(2);
  });

  it('does not try again after throttling or a lost race on a decisive item', async () => {
    const throttled = flaky(new ProvisionedThroughputExceededException(meta));
    await expect(attemptWrite(throttled.write, [0])).rejects.toBeInstanceOf(ProblemError);
    expect(throttled.tries()).toBe(1);
    const lost = flaky(cancelled('TransactionConflict', 'None'));
    expect(await attemptWrite(lost.write, [0])).toBe(0);
    expect(lost.tries()).toBe(1);
  });
});
