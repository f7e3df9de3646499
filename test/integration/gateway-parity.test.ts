import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problem } from '#functions/shared/http/response';
import { PROBLEMS } from '#functions/shared/problems';
import { type GatewayResponseType, REQUEST_ID_VARIABLE } from '#lib/gateway-responses';
import { REQUEST_ID_HEADER } from '#lib/local/gateway';
import { ROUTES } from '#lib/routes';
import { synthStage } from '#test/infra/synth';
import { type RuntimeProcess, startRuntimeProcess } from './local-runtime.ts';

/**
 * Deployed = local (issue 16): the same bad requests sent to the local runtime get what the synthesised
 * Api stack says API Gateway would answer (status, every header it sets, the body with `$context.requestId`
 * filled in), or, where API Gateway passes the request on (it validates no bodies), what the handler answers,
 * with the same request id as `instance`.
 */
type Props = Record<string, unknown>;
let runtime: RuntimeProcess;
let template: { Resources: Record<string, { Type: string; Properties: Props }> };

beforeAll(async () => {
  template = synthStage('local').templates.api.toJSON() as typeof template;
  runtime = await startRuntimeProcess();
}, 180_000);

afterAll(async () => {
  await runtime?.stop();
});

/** A header value as API Gateway writes it in a mapping (`'…'`, quotes inside escaped), as sent. */
const unquote = (value: string) => value.slice(1, -1).replaceAll("\\'", "'");

interface Expected {
  status: number;
  headers: Record<string, string>;
  template: string;
}

/** What the template's gateway response of a type answers. */
function gatewayResponse(type: GatewayResponseType): Expected {
  const found = Object.values(template.Resources).find(
    (r) => r.Type === 'AWS::ApiGateway::GatewayResponse' && r.Properties.ResponseType === type,
  );
  if (!found) throw new Error(`the Api stack has no gateway response ${type}`);
  const props = found.Properties as {
    StatusCode: string;
    ResponseParameters: Record<string, string>;
    ResponseTemplates: Record<string, string>;
  };
  return {
    status: Number(props.StatusCode),
    headers: Object.fromEntries(
      Object.entries(props.ResponseParameters).map(([k, v]) => [
        k.replace('gatewayresponse.header.', ''),
        unquote(v),
      ]),
    ),
    template: props.ResponseTemplates['application/json'] as string,
  };
}

/** The full path of an API Gateway resource of the template, from its PathPart chain. */
function pathOf(resourceId: unknown): string {
  const ref = (resourceId as { Ref?: string }).Ref;
  if (!ref) return ''; // the root resource (Fn::GetAtt RootResourceId)
  const resource = template.Resources[ref] as unknown as {
    Properties: { PathPart: string; ParentId: unknown };
  };
  return `${pathOf(resource.Properties.ParentId)}/${resource.Properties.PathPart}`;
}

/** What the template's mock `ANY` method on a path answers (405). */
function mockResponse(path: string): Expected {
  const method = Object.values(template.Resources).find(
    (r) =>
      r.Type === 'AWS::ApiGateway::Method' &&
      r.Properties.HttpMethod === 'ANY' &&
      pathOf(r.Properties.ResourceId) === path,
  );
  if (!method) throw new Error(`no ANY method on ${path}`);
  const [response] = (method.Properties.Integration as { IntegrationResponses: Props[] })
    .IntegrationResponses as [
    {
      StatusCode: string;
      ResponseParameters: Record<string, string>;
      ResponseTemplates: Record<string, string>;
    },
  ];
  return {
    status: Number(response.StatusCode),
    headers: Object.fromEntries(
      Object.entries(response.ResponseParameters).map(([k, v]) => [
        k.replace('method.response.header.', ''),
        unquote(v),
      ]),
    ),
    template: response.ResponseTemplates['application/json'] as string,
  };
}

async function send(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: BodyInit } = {},
) {
  const response = await fetch(`${runtime.apiUrl}${path}`, { method, ...init });
  const requestId = response.headers.get(REQUEST_ID_HEADER);
  expect(requestId, 'every answer carries its request id').toMatch(/^[0-9a-f-]{36}$/);
  return { response, requestId: requestId as string, body: await response.text() };
}

/** The local answer equals the template's: status, each header the template sets, the rendered body. */
async function expectSame(expected: Expected, method: string, path: string, init = {}) {
  const { response, requestId, body } = await send(method, path, init);
  expect(response.status).toBe(expected.status);
  for (const [name, value] of Object.entries(expected.headers))
    expect(response.headers.get(name), name).toBe(value);
  expect(JSON.parse(body)).toEqual(JSON.parse(expected.template.replaceAll(REQUEST_ID_VARIABLE, requestId)));
  return JSON.parse(body) as { instance: string };
}

const A_TOKEN = 'Bearer eyJhbGciOiJFUzI1NiIsImtpZCI6Im5vLXN1Y2gta2V5In0.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

describe('gateway/local parity', () => {
  it('an unknown path: MISSING_AUTHENTICATION_TOKEN, 404 not_found', async () => {
    const body = await expectSame(
      gatewayResponse('MISSING_AUTHENTICATION_TOKEN'),
      'GET',
      '/v1/no-such-route',
    );
    expect(body).toMatchObject({ code: 'not_found' });
  });

  it.each(['/v1/terms', '/v1/me/notice-subscription', '/v1/terms/{document}'])(
    'a wrong method on %s: the mock ANY method, 405 with Allow',
    async (path) => {
      const concrete = path.replace('{document}', 'terms-of-use');
      const body = await expectSame(mockResponse(path), 'PATCH', concrete);
      expect(body).toMatchObject({ code: 'method_not_allowed' });
    },
  );

  it('a resident route without a token, or with one that is not a bearer JWT: UNAUTHORIZED, 401', async () => {
    const expected = gatewayResponse('UNAUTHORIZED');
    expect(expected.headers['WWW-Authenticate']).toBe('Bearer');
    await expectSame(expected, 'GET', '/v1/me');
    await expectSame(expected, 'GET', '/v1/me', { headers: { Authorization: 'Basic eDp5' } });
  });

  it('a bearer token the authorizer refuses: ACCESS_DENIED, 401 with WWW-Authenticate', async () => {
    await expectSame(gatewayResponse('ACCESS_DENIED'), 'GET', '/v1/me/notices', {
      headers: { Authorization: A_TOKEN },
    });
  });

  it('a body over 10 MB: REQUEST_TOO_LARGE, 413', async () => {
    await expectSame(gatewayResponse('REQUEST_TOO_LARGE'), 'POST', '/v1/registrations', {
      headers: { 'Content-Type': 'application/json' },
      body: `"${'x'.repeat(10 * 1024 * 1024)}"`,
    });
  });

  it('passes bodies through unvalidated (no request models), so the handler answers with its own problem', async () => {
    const models = Object.values(template.Resources).filter((r) => r.Type === 'AWS::ApiGateway::Model');
    expect(models).toEqual([]);
    for (const route of ROUTES.filter((r) => r.body)) {
      const method = Object.values(template.Resources).find(
        (r) =>
          r.Type === 'AWS::ApiGateway::Method' &&
          r.Properties.HttpMethod === route.method &&
          pathOf(r.Properties.ResourceId) === route.path,
      );
      expect(method?.Properties.RequestModels, route.id).toBeUndefined();
      expect(method?.Properties.RequestValidatorId, route.id).toBeUndefined();
    }
    // What reaches the function: malformed JSON and a body of the wrong shape.
    const malformed = await send('POST', '/v1/sessions/challenges', {
      headers: { 'Content-Type': 'application/json' },
      body: '{"accountId": ',
    });
    expect(malformed.response.status).toBe(PROBLEMS.malformed_json.status);
    expect(JSON.parse(malformed.body)).toEqual(
      JSON.parse(problem('malformed_json', { instance: malformed.requestId, language: 'en' }).body),
    );
    const shape = await send('POST', '/v1/sessions/challenges', {
      headers: { 'Content-Type': 'application/json' },
      body: '{"accountId": 7}',
    });
    expect(JSON.parse(shape.body)).toMatchObject({
      code: 'invalid_request',
      instance: shape.requestId,
      errors: [expect.objectContaining({ pointer: '/accountId' })],
    });
  });
});
