import { describe, expect, it } from 'vitest';
import { loadEvent } from '#events/load';
import { apiHandler } from '#functions/shared/http/api';
import { json } from '#functions/shared/http/response';
import { logger } from '#functions/shared/powertools';
import { ProblemError } from '#functions/shared/problems';
import { lambdaContext } from '#lib/local/apigw-event';

/**
 * One correlation id (issue 16): API Gateway's request id is the `correlation_id` of every log line of the
 * invocation and the `instance` of its problem documents, not Lambda's own request id.
 */
const event = () => {
  const e = loadEvent('apigw', 'get-health');
  e.requestContext.requestId = 'c0ffee00-1111-4222-8333-444455556666';
  return e;
};

describe('correlation id', () => {
  it('is on every log line of the invocation, and gone after it', async () => {
    let during: unknown;
    const handler = apiHandler({}, async () => {
      during = logger.getCorrelationId();
      return json(200, {});
    });
    const context = lambdaContext('test');
    await handler(event(), context);
    expect(during).toBe('c0ffee00-1111-4222-8333-444455556666');
    expect(during).not.toBe(context.awsRequestId);
    expect(logger.getCorrelationId()).toBeUndefined();
  });

  it("is the problem's instance, for a refusal, a fault of a dependency and a bug alike", async () => {
    for (const failure of [
      new ProblemError('not_found'),
      Object.assign(new Error('KMS unreachable'), { code: 'ECONNREFUSED' }),
      new TypeError('x is undefined'),
    ]) {
      const handler = apiHandler({}, async () => {
        throw failure;
      });
      const result = await handler(event(), lambdaContext('test'));
      expect(JSON.parse(result.body).instance, failure.message).toBe('c0ffee00-1111-4222-8333-444455556666');
    }
  });
});
