import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEvent } from '#events/load';
import { getOpenApi } from '#functions/openapi/handler';
import { lambdaContext } from '#lib/local/apigw-event';
import { REPO_ROOT } from '#lib/paths';

describe('GET /v1/openapi.json', () => {
  it('serves the checked-in document with the address it was asked at as its one server', async () => {
    const event = loadEvent('apigw', 'get-terms');
    event.path = '/v1/openapi.json';
    event.resource = '/v1/openapi.json';
    const result = await getOpenApi(event, lambdaContext('getOpenApi'));
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['Cache-Control']).toBe('public, max-age=300');
    const served = JSON.parse(result.body);
    const { servers, ...rest } = served;
    expect(servers).toEqual([
      {
        url: 'https://abcdef1234.execute-api.ap-northeast-1.amazonaws.com/live',
        description: expect.any(String),
      },
    ]);
    const { servers: _template, ...checkedIn } = JSON.parse(
      readFileSync(path.join(REPO_ROOT, 'docs/openapi.json'), 'utf8'),
    );
    expect(rest).toEqual(checkedIn);
  });
});
