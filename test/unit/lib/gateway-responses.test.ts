import { describe, expect, it } from 'vitest';
import { PROBLEMS } from '#functions/shared/problems';
import { GATEWAY_RESPONSES, staticProblemBody } from '#lib/gateway-responses';

describe('gateway responses', () => {
  it('answers an unknown path with 404 not_found, not API Gateway\'s "Missing Authentication Token"', () => {
    expect(GATEWAY_RESPONSES.MISSING_AUTHENTICATION_TOKEN).toBe('not_found');
  });

  it.each(Object.entries(GATEWAY_RESPONSES))('gives %s a problem document with a known code', (_, code) => {
    const body = JSON.parse(staticProblemBody(code));
    expect(body).toEqual({
      type: `urn:xid:problem:${code}`,
      title: PROBLEMS[code].title,
      status: PROBLEMS[code].status,
      code,
    });
  });
});
