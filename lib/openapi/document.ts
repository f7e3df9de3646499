import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { activationProofPayload, sessionProofPayload, tokenResponse } from '../../functions/auth/schemas.ts';
import {
  apnsPayload,
  fcmPayload,
  noticeItem,
  noticeReceiptSchema,
  noticeSchema,
  pushTopicMessage,
} from '../../functions/notices/schemas.ts';
import { authorizationProofPayload, authorizationRequestSummary } from '../../functions/oidc/schemas.ts';
import { deviceJwk, registrationStatement } from '../../functions/registration/schemas.ts';
import { reverificationStatement } from '../../functions/reverification/schemas.ts';
import { PROBLEMS, type ProblemCode } from '../../functions/shared/problems.ts';
import { municipalityRef, problemDocument } from '../../functions/shared/schemas.ts';
import { GATEWAY_RESPONSES } from '../gateway-responses.ts';
import { REPO_ROOT } from '../paths.ts';
import { ROUTES, type Route } from '../routes.ts';
import { NAMED_EXAMPLES, ROUTE_EXAMPLES } from './examples.ts';

/**
 * The OpenAPI 3.1 document of the API, generated from the route table and the zod schemas it names (zod 4's
 * `z.toJSONSchema`, draft 2020-12, the dialect of OpenAPI 3.1). `npm run openapi` writes it to
 * `docs/openapi.json` (and the reference page next to it); a unit test fails when the checked-in copy is
 * stale, and the end-to-end tests validate every answer against it.
 */
export type JsonObject = Record<string, unknown>;

export const OPENAPI_FILE = 'docs/openapi.json';

/** Schemas with a name of their own: the signed payloads, the push payloads, and what several routes share. */
export const NAMED_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  Problem: problemDocument,
  RegistrationStatement: registrationStatement,
  ReverificationStatement: reverificationStatement,
  DeviceJwk: deviceJwk,
  ActivationProofPayload: activationProofPayload,
  SessionProofPayload: sessionProofPayload,
  AuthorizationProofPayload: authorizationProofPayload,
  AuthorizationRequest: authorizationRequestSummary,
  Token: tokenResponse,
  MunicipalityRef: municipalityRef,
  Notice: noticeSchema,
  NoticeReceipt: noticeReceiptSchema,
  NoticeItem: noticeItem,
  PushTopicMessage: pushTopicMessage,
  ApnsPayload: apnsPayload,
  FcmPayload: fcmPayload,
};

/**
 * What any route may answer, whoever answers it: API Gateway (its gateway responses: a refused or
 * oversized body, the firewall, throttling, an integration failure) and the shared middleware (a body that
 * is not JSON). `not_found` and `unauthorized` are not here: the first is for paths that are no route, the
 * second only for resident routes.
 */
export const COMMON_PROBLEMS: readonly ProblemCode[] = [
  ...new Set<ProblemCode>([
    ...Object.values(GATEWAY_RESPONSES).filter((code) => code !== 'not_found' && code !== 'unauthorized'),
    'malformed_json',
  ]),
];

/** Every problem code a route may answer with, in the order of `PROBLEMS`. */
export function problemsOf(route: Route): ProblemCode[] {
  const codes = new Set<ProblemCode>([
    ...COMMON_PROBLEMS,
    ...(route.auth === 'resident' ? (['unauthorized'] as const) : []),
    ...(route.problems ?? []),
  ]);
  return (Object.keys(PROBLEMS) as ProblemCode[]).filter((code) => codes.has(code));
}

/** The capability a route belongs to: its handler's folder under `functions/`. */
export function tagOf(route: Route): string {
  return route.entry.split('/')[1] ?? 'api';
}

const TAGS: Record<string, string> = {
  health: 'Liveness',
  terms: 'Terms of use and privacy policy (guide step 1)',
  registration: 'Registration with the My Number card (guide steps 3–5)',
  auth: 'Activation, sessions and access tokens (guide step 6)',
  account: "The resident's own record",
  mail: 'E-mail address and its confirmation (guide step 7)',
  push: 'Push notifications (guide step 8)',
  notices: 'Municipality notices (guide step 9)',
  oidc: 'Sign in with xID: OpenID Connect for municipal services, approved in the app with PIN1',
  openapi: 'This document',
};

const DESCRIPTION = [
  'The HTTP API of xID, a digital ID backed by the My Number card (JPKI). Generated from the route table',
  '(`lib/routes.ts`) and its zod schemas; `docs/api.md` is the prose reference and `docs/mobile.md` the',
  'recipe for apps (the card, the statement, the proofs, the push payloads). Errors are RFC 9457 problem',
  'documents (`application/problem+json`) whose `code` is stable: branch on it. Send `Accept-Language: ja`',
  'for Japanese `title` and `detail`. Each operation lists, per status, the codes it may answer with.',
].join(' ');

/** A schema as JSON Schema 2020-12, references to named schemas as `#/components/schemas/<name>`. */
function toJsonSchemas(schemas: Map<string, z.ZodType>): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of schemas) registry.add(schema, { id });
  const { schemas: out } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'throw',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, JsonObject> };
  // In a components object the name is the identity: no `$id` (a fragment is no base URI) nor `$schema`.
  return Object.fromEntries(
    Object.entries(out).map(([id, { $id: _id, $schema: _schema, ...schema }]) => [id, schema]),
  );
}

/** A single schema inlined (parameters), without the draft marker. */
function inline(schema: z.ZodType): JsonObject {
  const { $schema: _schema, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'throw',
  }) as JsonObject;
  return rest;
}

const pascal = (id: string) => `${id[0]?.toUpperCase() ?? ''}${id.slice(1)}`;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** The parameters of a route: one per `{name}` of its path (each must have a schema), then its query. */
function parameters(route: Route): JsonObject[] {
  const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
  const declared = Object.keys(route.params ?? {});
  const undeclared = names.filter((name) => !declared.includes(name));
  if (undeclared.length || declared.length !== names.length)
    throw new Error(`${route.id}: path parameters ${names.join(', ')} and params ${declared.join(', ')}`);
  return [
    ...names.map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: inline(route.params?.[name] as z.ZodType),
    })),
    ...Object.entries(route.query ?? {}).map(([name, schema]) => {
      const { description, ...rest } = inline(schema);
      return { name, in: 'query', required: false, ...(description ? { description } : {}), schema: rest };
    }),
  ];
}

const RETRY_AFTER = {
  'Retry-After': {
    description: 'Seconds to wait before trying again, when known',
    schema: { type: 'integer' },
  },
};

/** The responses of a route: its success, its other answers, and one problem response per status. */
function responses(route: Route, names: { response?: string }): JsonObject {
  const out: Record<string, JsonObject> = {};
  const examples = ROUTE_EXAMPLES[route.id] ?? {};
  if (route.response && names.response) {
    out[String(route.status ?? 200)] = {
      description: route.description,
      content: {
        'application/json': {
          schema: ref(names.response),
          ...(examples.response === undefined ? {} : { example: examples.response }),
        },
      },
    };
  }
  for (const [status, answer] of Object.entries(route.answers ?? {})) {
    out[status] = {
      description: answer.description,
      ...(answer.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(answer.headers).map(([name, description]) => [
                name,
                { description, schema: { type: 'string' } },
              ]),
            ),
          }
        : {}),
      ...(answer.mediaType
        ? {
            content: {
              [answer.mediaType]: { schema: answer.schema ? inline(answer.schema) : { type: 'string' } },
            },
          }
        : {}),
    };
  }
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of problemsOf(route)) {
    const { status } = PROBLEMS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const existing = out[String(status)];
    const content = {
      'application/problem+json': {
        schema: {
          allOf: [
            ref('Problem'),
            { type: 'object', properties: { status: { const: status }, code: { enum: codes } } },
          ],
        },
      },
    };
    out[String(status)] = existing
      ? { ...existing, content: { ...(existing.content as JsonObject), ...content } }
      : {
          description: codes.map((code) => `\`${code}\`: ${PROBLEMS[code].title}`).join('; '),
          ...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}),
          content,
        };
  }
  // The firewall (AWS WAF) may refuse any route for its per-address rate, before the API: its answer is the
  // same problem document, sent as `application/json` (WAF cannot send problem+json) and without Retry-After.
  const firewall = {
    'application/json': {
      schema: {
        allOf: [
          ref('Problem'),
          { type: 'object', properties: { status: { const: 429 }, code: { const: 'rate_limited' } } },
        ],
      },
    },
  };
  const limited = out['429'];
  out['429'] = limited
    ? { ...limited, content: { ...(limited.content as JsonObject), ...firewall } }
    : {
        description: "`rate_limited`: the firewall's limit per client address (wait a few minutes)",
        content: firewall,
      };
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => Number(a) - Number(b)));
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string })
    .version;
}

/** The document for a route table (the real one by default). */
export function openApiDocument(routes: readonly Route[] = ROUTES): JsonObject {
  // Names first: a schema that is named is referenced wherever it is used; the others get the route's name.
  const schemas = new Map<string, z.ZodType>(Object.entries(NAMED_SCHEMAS));
  const nameOf = (schema: z.ZodType, fallback: string): string => {
    for (const [name, known] of schemas) if (known === schema) return name;
    schemas.set(fallback, schema);
    return fallback;
  };
  const named = routes.map((route) => ({
    route,
    request: route.body ? nameOf(route.body, `${pascal(route.id)}Request`) : undefined,
    response: route.response ? nameOf(route.response, `${pascal(route.id)}Response`) : undefined,
  }));
  const components = toJsonSchemas(schemas);
  for (const [name, examples] of Object.entries(NAMED_EXAMPLES)) {
    const schema = components[name];
    if (!schema) throw new Error(`example for an unknown schema ${name}`);
    schema.examples = examples;
  }

  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const { route, request, response } of named) {
    if (!route.response && !route.answers) throw new Error(`${route.id}: no response schema nor answers`);
    const examples = ROUTE_EXAMPLES[route.id] ?? {};
    const operation: JsonObject = {
      operationId: route.id,
      summary: route.description,
      tags: [tagOf(route)],
      security: route.auth === 'resident' ? [{ bearer: [] }] : [],
    };
    const params = parameters(route);
    if (params.length) operation.parameters = params;
    if (request) {
      operation.requestBody = {
        required: true,
        content: {
          'application/json': {
            schema: ref(request),
            ...(examples.request === undefined ? {} : { example: examples.request }),
          },
        },
      };
    }
    operation.responses = responses(route, { response });
    operation['x-problem-codes'] = problemsOf(route);
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, JsonObject>)[route.method.toLowerCase()] = operation;
  }

  const tags = [...new Set(routes.map(tagOf))].map((name) => ({ name, description: TAGS[name] ?? name }));
  return {
    openapi: '3.1.1',
    info: {
      title: 'xID API',
      version: packageVersion(),
      description: DESCRIPTION,
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [
      {
        url: '{baseUrl}',
        variables: {
          baseUrl: {
            default: 'http://127.0.0.1:3000',
            description:
              "The stage's ApiUrl (stack output of Xid-<stage>-Api) or custom domain; the local runtime by default. GET /v1/openapi.json answers with the address it was asked at.",
          },
        },
      },
    ],
    tags,
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'The accessToken of an activation or a session: a JWT signed with ES256 by a KMS key, 15 minutes, its kid in GET /.well-known/jwks.json. Required by every /v1/me route.',
        },
      },
    },
    'x-problem-codes': Object.fromEntries(
      Object.entries(PROBLEMS).map(([code, { status, title }]) => [code, { status, title }]),
    ),
  };
}

/** The document as checked in: two-space JSON and a final newline. */
export function openApiText(document: JsonObject = openApiDocument()): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
