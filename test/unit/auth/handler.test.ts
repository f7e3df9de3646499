import { afterEach, describe, expect, it, vi } from 'vitest';
import { countingFailedProofs } from '#functions/auth/handler';
import { metrics } from '#functions/shared/powertools';
import { ProblemError } from '#functions/shared/problems';

afterEach(() => vi.restoreAllMocks());

describe('the failed-proof metric of activation and login', () => {
  it('counts a refused proof once, and passes the refusal on', async () => {
    const add = vi.spyOn(metrics, 'addMetric');
    const refusal = new ProblemError('proof_invalid');
    await expect(countingFailedProofs(Promise.reject(refusal))).rejects.toBe(refusal);
    expect(add.mock.calls).toEqual([['FailedProofs', 'Count', 1]]);
  });

  it('counts nothing for a success or for any other refusal', async () => {
    const add = vi.spyOn(metrics, 'addMetric');
    expect(await countingFailedProofs(Promise.resolve('token'))).toBe('token');
    await expect(
      countingFailedProofs(Promise.reject(new ProblemError('challenge_invalid'))),
    ).rejects.toThrow();
    expect(add).not.toHaveBeenCalled();
  });
});
