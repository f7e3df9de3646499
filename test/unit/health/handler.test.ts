import { describe, expect, it } from 'vitest';
import { loadEvent } from '#events/load';
import { handler } from '#functions/health/handler';
import { lambdaContext } from '#lib/local/apigw-event';

describe('health', () => {
  it('answers 200 with the stage and touches nothing else', async () => {
    const result = await handler(loadEvent('apigw', 'get-health'), lambdaContext('getHealth'));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ status: 'ok', stage: 'unit' });
  });
});
