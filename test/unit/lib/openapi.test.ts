import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { PROBLEMS } from '#functions/shared/problems';
import {
  COMMON_PROBLEMS,
  type JsonObject,
  OPENAPI_FILE,
  openApiDocument,
  openApiText,
  problemsOf,
} from '#lib/openapi/document';
import { NAMED_EXAMPLES, ROUTE_EXAMPLES } from '#lib/openapi/examples';
import { REFERENCE_FILE, referencePage } from '#lib/openapi/render';
import { REPO_ROOT } from '#lib/paths';
import { ROUTES } from '#lib/routes';
import { contractOf } from '#test/harness/contract';

const checkedIn = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');
const document = openApiDocument();
const contract = contractOf(document);
type Operation = JsonObject & { responses: Record<string, JsonObject> };
const operationOf = (route: (typeof ROUTES)[number]) =>
  (document.paths as Record<string, Record<string, Operation>>)[route.path]?.[
    route.method.toLowerCase()
  ] as Operation;

describe('the OpenAPI document', () => {
  it(`is checked in up to date as ${OPENAPI_FILE} (run npm run openapi after changing a route or a schema)`, () => {
    expect(
      checkedIn(OPENAPI_FILE) === openApiText(document),
      `${OPENAPI_FILE} is stale: npm run openapi`,
    ).toBe(true);
  });

  it(`is rendered up to date as ${REFERENCE_FILE} (npm run openapi)`, () => {
    expect(
      checkedIn(REFERENCE_FILE) === referencePage(document),
      `${REFERENCE_FILE} is stale: npm run openapi`,
    ).toBe(true);
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('names the signed payloads and the push payloads as schemas of their own', () => {
    const schemas = (document.components as { schemas: Record<string, JsonObject> }).schemas;
    for (const name of [
      'RegistrationStatement',
      'ActivationProofPayload',
      'SessionProofPayload',
      'Notice',
      'PushTopicMessage',
      'ApnsPayload',
      'FcmPayload',
      'Problem',
    ])
      expect(schemas[name], name).toBeDefined();
    // The registration body refers to the statement rather than repeating it.
    expect(JSON.stringify(schemas.PostRegistrationRequest)).toContain(
      '#/components/schemas/RegistrationStatement',
    );
  });

  it('compiles every schema in strict mode (no keyword or format that a validator would ignore)', () => {
    const schemas = (document.components as { schemas: Record<string, JsonObject> }).schemas;
    for (const name of Object.keys(schemas))
      expect(() => contract.compile({ $ref: `#/components/schemas/${name}` }), name).not.toThrow();
  });

  it('has an example for every JSON request and success body, and every example matches its schema', () => {
    const schemas = (document.components as { schemas: Record<string, JsonObject> }).schemas;
    for (const [name, values] of Object.entries(NAMED_EXAMPLES)) {
      expect(schemas[name]?.examples, name).toEqual(values);
      const validate = contract.compile({ $ref: `#/components/schemas/${name}` });
      for (const value of values)
        expect(validate(value), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    expect(Object.keys(ROUTE_EXAMPLES).filter((id) => !ROUTES.some((r) => r.id === id))).toEqual([]);
    for (const route of ROUTES) {
      const operation = operationOf(route);
      const examples = ROUTE_EXAMPLES[route.id] ?? {};
      if (route.body) {
        expect(examples.request, `${route.id} request example`).toBeDefined();
        const media = (operation.requestBody as { content: Record<string, JsonObject> }).content[
          'application/json'
        ] as { schema: JsonObject; example: unknown };
        const validate = contract.compile(media.schema);
        expect(validate(media.example), `${route.id}: ${JSON.stringify(validate.errors)}`).toBe(true);
        // The request examples also pass the server's own schema.
        expect(route.body.safeParse(examples.request).success, route.id).toBe(true);
      }
      if (route.response && route.id !== 'getOpenApi') {
        expect(examples.response, `${route.id} response example`).toBeDefined();
        const status = String(route.status ?? 200);
        const violations = contract.responseViolations({
          method: route.method,
          path: route.path.replace(/\{(\w+)\}/g, 'x'),
          status: Number(status),
          contentType: 'application/json',
          body: examples.response,
        });
        expect(violations, route.id).toEqual([]);
        expect(route.response.safeParse(examples.response).success, route.id).toBe(true);
      }
    }
  });

  it('documents a success for every route, and a schema for every path parameter', () => {
    for (const route of ROUTES) {
      const statuses = Object.keys(operationOf(route).responses).map(Number);
      expect(
        statuses.some((s) => s < 400),
        route.id,
      ).toBe(true);
      expect(route.response !== undefined || route.answers !== undefined, route.id).toBe(true);
      for (const [, name] of route.path.matchAll(/\{(\w+)\}/g))
        expect(route.params?.[name as string], `${route.id} {${name}}`).toBeDefined();
    }
    const broken = { ...(ROUTES[0] as (typeof ROUTES)[number]), path: '/v1/x/{id}' };
    expect(() => openApiDocument([broken])).toThrow(/path parameters/);
  });

  it('lists, per route and status, problem codes that exist, with their status', () => {
    for (const route of ROUTES) {
      const operation = operationOf(route);
      const codes = problemsOf(route);
      expect(operation['x-problem-codes']).toEqual(codes);
      for (const code of [...(route.problems ?? []), ...codes]) expect(PROBLEMS).toHaveProperty(code);
      for (const code of codes) {
        const response = operation.responses[String(PROBLEMS[code].status)] as JsonObject;
        expect(JSON.stringify(response), `${route.id} ${code}`).toContain(`"${code}"`);
      }
      expect(codes).toEqual(expect.arrayContaining([...COMMON_PROBLEMS]));
      expect(codes.includes('unauthorized')).toBe(
        route.auth === 'resident' || !!route.problems?.includes('unauthorized'),
      );
    }
  });

  it('requires the bearer token on resident routes, and nothing on public ones', () => {
    const schemes = (document.components as { securitySchemes: Record<string, JsonObject> }).securitySchemes;
    expect(schemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    for (const route of ROUTES)
      expect(operationOf(route).security, route.id).toEqual(
        route.auth === 'resident' ? [{ bearer: [] }] : [],
      );
  });

  it('refuses an answer the contract does not allow', () => {
    const problem = (code: string, status: number) => ({
      type: `urn:xid:problem:${code}`,
      title: 't',
      status,
      code,
    });
    const answer = { method: 'POST', path: '/v1/sessions', contentType: 'application/problem+json' };
    expect(
      contract.responseViolations({ ...answer, status: 409, body: problem('challenge_invalid', 409) }),
    ).toEqual([]);
    // A code the route does not list, a status it does not have, an extra member, a wrong media type.
    expect(
      contract.responseViolations({ ...answer, status: 409, body: problem('already_active', 409) }),
    ).not.toEqual([]);
    expect(
      contract.responseViolations({ ...answer, status: 404, body: problem('not_found', 404) }),
    ).not.toEqual([]);
    expect(
      contract.responseViolations({
        ...answer,
        status: 409,
        body: { ...problem('challenge_invalid', 409), x: 1 },
      }),
    ).not.toEqual([]);
    expect(
      contract.responseViolations({
        ...answer,
        status: 409,
        contentType: 'text/plain',
        body: problem('challenge_invalid', 409),
      }),
    ).not.toEqual([]);
    expect(
      contract.responseViolations({
        method: 'GET',
        path: '/v1/health',
        status: 200,
        contentType: 'application/json',
        body: { status: 'ok', stage: 'dev', extra: true },
      }),
    ).not.toEqual([]);
    expect(
      contract.responseViolations({
        method: 'GET',
        path: '/v1/nope',
        status: 200,
        contentType: null,
        body: {},
      }),
    ).not.toEqual([]);
  });
});
