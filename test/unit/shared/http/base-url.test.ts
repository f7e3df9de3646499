import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadEvent } from '#events/load';
import { ENV } from '#functions/shared/env';
import { publicBaseUrl } from '#functions/shared/http/base-url';

describe('the public base URL of links', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('is the execute-api host and stage that served the request when nothing is configured', () => {
    vi.stubEnv(ENV.publicBaseUrl, '');
    expect(publicBaseUrl(loadEvent('apigw', 'get-terms'))).toBe(
      'https://abcdef1234.execute-api.ap-northeast-1.amazonaws.com/live',
    );
  });

  it("is a stage's custom domain when configured, without a trailing slash", () => {
    vi.stubEnv(ENV.publicBaseUrl, 'https://api.xid.example.jp/');
    expect(publicBaseUrl(loadEvent('apigw', 'get-terms'))).toBe('https://api.xid.example.jp');
  });

  it('names the Host the client used where the configuration says {host} (the local runtime)', () => {
    vi.stubEnv(ENV.publicBaseUrl, 'http://{host}');
    const event = loadEvent('apigw', 'get-terms');
    event.headers = { host: '10.0.2.2:3000' };
    expect(publicBaseUrl(event)).toBe('http://10.0.2.2:3000');
    // No Host header: the domain API Gateway (or the local gateway) recorded.
    event.headers = {};
    event.requestContext.domainName = '192.168.1.20:3000';
    expect(publicBaseUrl(event)).toBe('http://192.168.1.20:3000');
  });
});
