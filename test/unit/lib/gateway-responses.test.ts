import { describe, expect, it } from 'vitest';
import { PROBLEMS } from '#functions/shared/problems';
import {
  GATEWAY_RESPONSES,
  gatewayHeaders,
  problemTemplate,
  REQUEST_ID_VARIABLE,
  renderProblemTemplate,
} from '#lib/gateway-responses';

describe('gateway responses', () => {
  it('answers an unknown path with 404 not_found, not API Gateway\'s "Missing Authentication Token"', () => {
    expect(GATEWAY_RESPONSES.MISSING_AUTHENTICATION_TOKEN).toBe('not_found');
  });

  it.each(Object.entries(GATEWAY_RESPONSES))(
    'gives %s a problem document with a known code and the request id as instance',
    (_, code) => {
      const body = JSON.parse(renderProblemTemplate(problemTemplate(code), 'req-1'));
      expect(body).toEqual({
        type: `urn:xid:problem:${code}`,
        title: PROBLEMS[code].title,
        status: PROBLEMS[code].status,
        code,
        instance: 'req-1',
      });
      expect(problemTemplate(code)).toContain(`"instance":"${REQUEST_ID_VARIABLE}"`);
    },
  );

  it('asks for a bearer token on every 401 and says when to retry on every 429 and 503', () => {
    for (const code of new Set(Object.values(GATEWAY_RESPONSES))) {
      const headers = gatewayHeaders(code);
      const status = PROBLEMS[code].status;
      expect(headers['Content-Type']).toBe('application/problem+json');
      expect(headers['WWW-Authenticate'] !== undefined).toBe(status === 401);
      expect(headers['Retry-After'] !== undefined).toBe(status === 429 || status === 503);
    }
    expect(gatewayHeaders('rate_limited')['Retry-After']).toMatch(/^\d+$/);
  });

  it('never answers a failing authorizer with 401, which would make an app drop a good token', () => {
    expect(PROBLEMS[GATEWAY_RESPONSES.AUTHORIZER_FAILURE].status).toBe(503);
  });
});
