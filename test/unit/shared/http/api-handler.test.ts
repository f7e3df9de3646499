import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadEvent } from '#events/load';
import { apiHandler } from '#functions/shared/http/api';
import { json, SECURITY_HEADERS } from '#functions/shared/http/response';
import { ProblemError } from '#functions/shared/problems';
import { lambdaContext } from '#lib/local/apigw-event';

const schema = z.object({ name: z.string().min(1).max(10), count: z.number().int().positive() });

const echo = apiHandler({ body: schema, maxBodyBytes: 200 }, async ({ body }) => json(200, { got: body }));

function post(body: string | null, contentType = 'application/json'): APIGatewayProxyEvent {
  const event = loadEvent('apigw', 'get-health');
  event.httpMethod = 'POST';
  event.headers = { ...event.headers, 'content-type': contentType };
  event.body = body;
  return event;
}

async function call(
  handler: (e: APIGatewayProxyEvent, c: ReturnType<typeof lambdaContext>) => Promise<APIGatewayProxyResult>,
  event: APIGatewayProxyEvent,
) {
  const result = await handler(event, lambdaContext('test'));
  const isProblem = String(result.headers?.['Content-Type']).startsWith('application/problem+json');
  return { result, body: JSON.parse(result.body) as Record<string, unknown>, isProblem };
}

describe('apiHandler', () => {
  it('passes a valid body, typed, to the wiring function', async () => {
    const { result, body } = await call(echo, post('{"name":"花子","count":2}'));
    expect(result.statusCode).toBe(200);
    expect(body).toEqual({ got: { name: '花子', count: 2 } });
  });

  it('answers malformed JSON with 400 malformed_json', async () => {
    const { result, body, isProblem } = await call(echo, post('{"name":'));
    expect(result.statusCode).toBe(400);
    expect(isProblem).toBe(true);
    expect(body).toMatchObject({
      status: 400,
      code: 'malformed_json',
      type: 'urn:xid:problem:malformed_json',
    });
  });

  it('answers a body that is not UTF-8 with 400 malformed_json', async () => {
    const event = post(Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'));
    event.isBase64Encoded = true;
    const { body } = await call(echo, event);
    expect(body.code).toBe('malformed_json');
  });

  it('answers a wrong content type with 415 unsupported_media_type', async () => {
    const { result, body } = await call(echo, post('{"name":"a","count":1}', 'text/plain'));
    expect(result.statusCode).toBe(415);
    expect(body.code).toBe('unsupported_media_type');
  });

  it('accepts a charset parameter of utf-8 but refuses another charset', async () => {
    expect(
      (await call(echo, post('{"name":"a","count":1}', 'application/json; charset=UTF-8'))).result.statusCode,
    ).toBe(200);
    expect(
      (await call(echo, post('{"name":"a","count":1}', 'application/json; charset=latin1'))).body.code,
    ).toBe('unsupported_media_type');
  });

  it('answers a body over the limit with 413 payload_too_large, before parsing it', async () => {
    const { result, body } = await call(echo, post(`{"name":"${'x'.repeat(300)}"`));
    expect(result.statusCode).toBe(413);
    expect(body.code).toBe('payload_too_large');
  });

  it('answers a schema mismatch with 400 invalid_request and JSON pointers, without echoing values', async () => {
    const { result, body } = await call(echo, post('{"name":"secret-value-too-long","count":-1}'));
    expect(result.statusCode).toBe(400);
    expect(body.code).toBe('invalid_request');
    const errors = body.errors as { pointer: string; detail: string }[];
    expect(errors.map((e) => e.pointer).sort()).toEqual(['/count', '/name']);
    expect(result.body).not.toContain('secret-value-too-long');
  });

  it('answers a missing body on a route that needs one with 400 invalid_request', async () => {
    const { body } = await call(echo, post(null));
    expect(body.code).toBe('invalid_request');
  });

  it('maps a ProblemError to its status and code, with Retry-After when given', async () => {
    const limited = apiHandler({}, async () => {
      throw new ProblemError('rate_limited', 'Slow down', { retryAfterSeconds: 60 });
    });
    const { result, body } = await call(limited, loadEvent('apigw', 'get-health'));
    expect(result.statusCode).toBe(429);
    expect(result.headers?.['Retry-After']).toBe('60');
    expect(body).toMatchObject({ code: 'rate_limited', detail: 'Slow down' });
  });

  it('answers an unexpected error with a bare 500 that leaks nothing', async () => {
    const broken = apiHandler({}, async () => {
      throw new Error('ConditionalCheckFailedException in table xid-prod-main at arn:aws:dynamodb:...');
    });
    const { result, body } = await call(broken, loadEvent('apigw', 'get-health'));
    expect(result.statusCode).toBe(500);
    expect(body.code).toBe('internal_error');
    expect(result.body).not.toMatch(/Conditional|arn:|xid-prod|stack/i);
  });

  it('puts the security headers on successes and problems alike', async () => {
    const ok = await call(echo, post('{"name":"a","count":1}'));
    const bad = await call(echo, post('nope'));
    for (const { result } of [ok, bad]) {
      for (const [name, value] of Object.entries(SECURITY_HEADERS))
        expect(result.headers?.[name]).toBe(value);
    }
  });
});

describe('lone surrogates in a body', () => {
  it('are refused with 400 malformed_json before any use case sees them: they have no JCS form', async () => {
    for (const body of [
      '{"name":"\\ud800","count":1}',
      '{"\\udfff":1}',
      '{"name":["a\\udc00b"],"count":1}',
    ]) {
      const { result, body: problem } = await call(echo, post(body));
      expect([result.statusCode, problem.code]).toEqual([400, 'malformed_json']);
    }
    const { result } = await call(echo, post('{"name":"\\ud83d\\ude00","count":1}'));
    expect(result.statusCode).toBe(200);
  });
});
