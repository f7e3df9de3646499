import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { ROUTES, type Route } from '#lib/routes';
import { issueCard } from '#test/harness/cards';
import { latestLink } from '#test/harness/phone/mailbox';
import { registrationRequest, type VirtualPhone } from '#test/harness/phone/phone';
import { PIN1, PIN2, type World } from '../e2e/world.ts';

/**
 * A fuzz pass over the HTTP surface (issue 14): mutated requests to every route of the local runtime,
 * each built from a request that would succeed (a real card, real device keys, a real token) and then
 * broken in one way: truncated JSON, wrong types, huge strings, deep nesting, invalid base64 and base64url,
 * DER garbage, Unicode edge cases, broken path parameters, queries and headers. A request fails the pass if
 * it is answered 5xx, if it takes more than 5 seconds, or if it is refused (4xx) and the table changed.
 * Requests go one at a time (so a table change belongs to one request) from many loopback addresses (so
 * the per-address rate rules, tested elsewhere, do not answer them all).
 */

/** A request before it is sent. */
interface Request {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface FuzzFailure {
  route: string;
  mutation: string;
  reason: string;
  status?: number;
  answer?: string;
}

export interface FuzzResult {
  sent: number;
  byStatus: Record<string, number>;
  byRoute: Record<string, number>;
  byMutation: Record<string, number>;
  failures: FuzzFailure[];
  seconds: number;
}

const HANG_MS = 5000;

/** A small seeded generator (mulberry32): the same seed makes the same pass. */
export function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (max: number) => Math.floor(next() * max),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    bytes: (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256))),
  };
}
type Random = ReturnType<typeof prng>;

/** Strings that have broken parsers: Unicode edge cases, escapes, encodings, sizes. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\u202eevil\u202c',
  '\u200b',
  '\ufeff',
  '\ud800',
  '\udfff',
  'a\ud83d',
  '\ud83d\ude00',
  '\uffff',
  '\ue000',
  'e\u0301',
  '𠮷野家',
  '公的\u3000花子',
  '%00',
  '%2F..%2F',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the very text is the point (log4j-style lookups)
  '${jndi:ldap://x}',
  "'; DROP TABLE x;--",
  '\\',
  '"',
  '\r\nX-Injected: 1',
  'A'.repeat(43),
  '=',
  'AAA=',
  '====',
  'a.b.c',
  '..',
  '-1',
  '1e400',
  'NaN',
  'null',
  'true',
];
const NASTY_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  [],
  {},
  [null],
  { '': '' },
  { __proto__: { polluted: true } },
  { constructor: { prototype: { polluted: true } } },
];

/** Every path to a leaf of a JSON value, with the leaf. */
function leaves(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.length ? value.flatMap((v, i) => leaves(v, [...at, i])) : [at];
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length ? entries.flatMap(([k, v]) => leaves(v, [...at, k])) : [at];
  }
  return [at];
}

function replaceAt(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? replaceAt(v, rest, replacement) : v));
  const object = { ...(value as Record<string, unknown>) };
  object[head as string] = replaceAt(object[head as string], rest, replacement);
  return object;
}

function getAt(value: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((v, key) => (v as Record<string | number, unknown> | undefined)?.[key], value);
}

/** Deep nesting as JSON text: `[[[[…]]]]` or `{"a":{"a":…}}`. */
const nested = (depth: number, object: boolean) =>
  object ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}1${']'.repeat(depth)}`;

type Mutation = { name: string; apply: (request: Request, json: unknown, random: Random) => Request };

const jsonBody = (request: Request, value: unknown): Request => ({
  ...request,
  headers: { ...request.headers, 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify(value)),
});
const rawBody = (request: Request, text: string | Buffer, type = 'application/json'): Request => ({
  ...request,
  headers: { ...request.headers, 'content-type': type },
  body: Buffer.isBuffer(text) ? text : Buffer.from(text),
});

/** What is done to a request: each mutation breaks it in one way. */
const MUTATIONS: Mutation[] = [
  {
    name: 'truncated JSON',
    apply: (r, json, random) => {
      const text = JSON.stringify(json ?? { a: 1 });
      return rawBody(r, text.slice(0, 1 + random.int(Math.max(1, text.length - 1))));
    },
  },
  {
    name: 'wrong type',
    apply: (r, json, random) => {
      const path = random.pick(leaves(json ?? {}));
      return jsonBody(r, replaceAt(json ?? {}, path, random.pick(NASTY_VALUES)));
    },
  },
  {
    name: 'huge string',
    apply: (r, json, random) => {
      const path = random.pick(leaves(json ?? {}));
      const size = random.pick([17 * 1024, 200 * 1024, 1024 * 1024]);
      return jsonBody(r, replaceAt(json ?? {}, path, 'x'.repeat(size)));
    },
  },
  {
    name: 'deep nesting',
    apply: (r, json, random) => {
      const path = random.pick(leaves(json ?? {}));
      const text = JSON.stringify(replaceAt(json ?? {}, path, '__NEST__'));
      const depth = random.pick([100, 1000, 5000]);
      return rawBody(r, text.replace('"__NEST__"', nested(depth, random.next() < 0.5)));
    },
  },
  {
    name: 'invalid base64 or base64url',
    apply: (r, json, random) => {
      const strings = leaves(json ?? {}).filter((p) => typeof getAt(json, p) === 'string');
      const path = strings.length ? random.pick(strings) : [];
      const original = String(getAt(json, path) ?? 'AAAA');
      const broken = random.pick([
        `${original}=`,
        `${original}==`,
        `${original.slice(0, -1)}%`,
        `${original.slice(0, 5)} ${original.slice(5)}`,
        original.replaceAll('-', '+').replaceAll('_', '/'),
        original.replaceAll('+', '-').replaceAll('/', '_'),
        `${original}\n`,
        original.slice(1),
        `.${original}`,
      ]);
      return jsonBody(r, replaceAt(json ?? {}, path, broken));
    },
  },
  {
    name: 'DER garbage',
    apply: (r, json, random) => {
      const strings = leaves(json ?? {}).filter((p) => typeof getAt(json, p) === 'string');
      const path = strings.length ? random.pick(strings) : [];
      const garbage = random.pick([
        random.bytes(1 + random.int(600)),
        Buffer.concat([Buffer.from([0x30, 0x82, 0xff, 0xff]), random.bytes(300)]),
        Buffer.concat([Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff]), random.bytes(20)]),
        Buffer.from([0x30, 0x80, 0x00, 0x00]),
        Buffer.alloc(256),
        Buffer.from([0x30, 0x03, 0x02, 0x01]),
      ]);
      const encoded = random.next() < 0.5 ? garbage.toString('base64') : garbage.toString('base64url');
      return jsonBody(r, replaceAt(json ?? {}, path, encoded));
    },
  },
  {
    name: 'Unicode edge case',
    apply: (r, json, random) => {
      const strings = leaves(json ?? {}).filter((p) => typeof getAt(json, p) === 'string');
      const path = strings.length ? random.pick(strings) : [];
      const original = String(getAt(json, path) ?? '');
      const nasty = random.pick(NASTY_STRINGS);
      return jsonBody(r, replaceAt(json ?? {}, path, random.next() < 0.5 ? nasty : `${original}${nasty}`));
    },
  },
  {
    name: 'invalid UTF-8 or a lone surrogate escape',
    apply: (r, json, random) => {
      const text = JSON.stringify(json ?? { a: 'x' });
      const at = text.indexOf('"', 1) + 1 || 1;
      const bad = random.pick([
        Buffer.from([0xc0, 0x80]),
        Buffer.from([0xed, 0xa0, 0x80]),
        Buffer.from([0xff]),
        Buffer.from('\\ud800'),
        Buffer.from('\\udc00\\ud800'),
      ]);
      return rawBody(r, Buffer.concat([Buffer.from(text.slice(0, at)), bad, Buffer.from(text.slice(at))]));
    },
  },
  {
    name: 'members added, dropped or doubled',
    apply: (r, json, random) => {
      const object = json !== null && typeof json === 'object' && !Array.isArray(json) ? json : {};
      const keys = Object.keys(object);
      const choice = random.int(3);
      if (choice === 0)
        return jsonBody(r, { ...object, [random.pick(['extra', '__proto__', 'constructor'])]: 1 });
      if (choice === 1 && keys.length) {
        const { [random.pick(keys)]: _dropped, ...rest } = object as Record<string, unknown>;
        return jsonBody(r, rest);
      }
      const key = keys.length ? random.pick(keys) : 'a';
      const text = JSON.stringify(object);
      return rawBody(r, `{"${key}":"first",${text.slice(1)}`);
    },
  },
  {
    name: 'not a JSON object',
    apply: (r, _json, random) =>
      random.pick([
        rawBody(r, '[]'),
        rawBody(r, '"text"'),
        rawBody(r, 'null'),
        rawBody(r, '12'),
        rawBody(r, ''),
        rawBody(r, '{}'),
        rawBody(r, '{"a":1}garbage'),
        rawBody(r, 'statement=1', 'application/x-www-form-urlencoded'),
        rawBody(r, '{"a":1}', 'text/plain'),
        rawBody(r, '{"a":1}', 'application/json; charset=latin1'),
        rawBody(r, random.bytes(64), 'application/octet-stream'),
      ]),
  },
  {
    name: 'broken path parameter',
    apply: (r, _json, random) => {
      const segments = r.path.split('?')[0]?.split('/') ?? [];
      const index = segments.length - 1 - random.int(Math.min(2, segments.length - 1));
      segments[index] = random.pick([
        '%',
        '%zz',
        '%00',
        '%2F',
        '%ED%A0%80',
        '%C0%80',
        'x'.repeat(5000),
        '..',
        encodeURIComponent('\u202e'),
        '00000000-0000-4000-8000-00000000000',
        '00000000-0000-0000-0000-000000000000',
        'ffffffff-ffff-ffff-ffff-ffffffffffff',
        randomBytes(32).toString('base64url'),
      ]);
      return { ...r, path: segments.join('/') };
    },
  },
  {
    name: 'broken query',
    apply: (r, _json, random) => ({
      ...r,
      path: `${r.path.split('?')[0]}?${random.pick([
        'limit=0',
        'limit=-1',
        'limit=1e3',
        'limit=NaN',
        'limit=2&limit=3',
        `cursor=${'A'.repeat(4000)}`,
        'cursor=%',
        `cursor=${Buffer.from('9999-99-99T99:99:99.999Z#00000000-0000-4000-8000-000000000000').toString('base64url')}`,
        'cursor=\u0000',
        `cursor=${Buffer.from('\u202e').toString('base64url')}`,
        'limit=20&cursor=',
      ])}`,
    }),
  },
  {
    name: 'broken headers',
    apply: (r, _json, random) => {
      const headers = { ...r.headers };
      const choice = random.int(4);
      if (choice === 0)
        headers.authorization = random.pick([
          'Bearer',
          'Bearer a.b.c',
          `Bearer ${'A'.repeat(6000)}`,
          'Basic Og==',
          'Bearer .. .',
        ]);
      if (choice === 1 && headers.authorization) {
        const [h, p, s] = headers.authorization.slice(7).split('.');
        headers.authorization = `Bearer ${h}.${p}.${(s ?? '').slice(0, -2)}AA`;
      }
      if (choice === 2)
        headers['accept-language'] = random.pick([
          'ja;q=abc',
          '*;q=2',
          `${'ja,'.repeat(1000)}en`,
          'ja-JP;q=0.9999999',
        ]);
      if (choice === 3) headers['if-none-match'] = random.pick(['*', 'W/"x"', '"', `"${'a'.repeat(5000)}"`]);
      return { ...r, headers };
    },
  },
];

/** Applicable mutations: body mutations only where a route takes a body, query ones where it reads one. */
function mutationsFor(route: Route): Mutation[] {
  const bodyless = route.method === 'GET' || route.method === 'DELETE';
  return MUTATIONS.filter((m) => {
    if (m.name === 'broken path parameter') return route.path.includes('{');
    if (m.name === 'broken query') return route.method === 'GET';
    if (m.name === 'broken headers') return true;
    return !bodyless;
  });
}

/** Everything the valid requests need: a token, accounts, proofs, a card. Made through the virtual phone. */
export interface FuzzFixtures {
  /** A valid request of each route, built anew when asked (challenges and proofs are single use). */
  valid(route: Route): Promise<{ request: Request; json?: unknown }>;
}

export async function fuzzFixtures(world: World): Promise<FuzzFixtures> {
  const resident = await world.activePhone();
  const token = resident.accessToken as string;
  const accountId = resident.account?.accountId as string;
  const email = `fuzz.${Date.now()}@example.jp`;
  await world.api.setEmail(token, email);
  const link = await latestLink(world.runtime.record.mailboxUrl, email);
  const device = randomBytes(32).toString('hex');
  await world.api.registerPush(token, 'APNS_SANDBOX', device);
  const terms = await world.api.getTerms();
  let pending: VirtualPhone | undefined;
  const auth = { authorization: `Bearer ${token}` };
  const bodies: Record<string, () => Promise<unknown>> = {
    postRegistrationChallenge: async () => ({}),
    postRegistration: async () => {
      const card = await issueCard(world.pki, { name: '試験\u3000太郎' });
      const challenge = await world.api.createRegistrationChallenge();
      return registrationRequest(
        await resident.signRegistration(card.reissue(), card.holder.signPin, challenge),
      );
    },
    postActivation: async () => {
      pending = await world.registeredPhone();
      return pending.activationProofs(PIN1, PIN2);
    },
    postSessionChallenge: async () => ({ accountId }),
    postSession: async () => {
      const challenge = await world.api.createSessionChallenge(accountId);
      const proof = await resident.prove('auth', PIN1, {
        type: 'xid/session/v1',
        accountId,
        nonce: challenge.nonce,
      });
      return { challengeId: challenge.challengeId, proof };
    },
    putEmail: async () => ({ email }),
    putPush: async () => ({ platform: 'APNS_SANDBOX', token: device }),
    putNoticeSubscription: async () => ({
      push: true,
      consents: { termsVersion: terms.terms.version, privacyPolicyVersion: terms.privacyPolicy.version },
    }),
  };
  const params: Record<string, () => string> = {
    document: () => 'terms-of-use',
    accountId: () => pending?.account?.accountId ?? accountId,
    token: () => link.split('/').at(-1) as string,
  };
  return {
    async valid(route) {
      const json = bodies[route.id] ? await bodies[route.id]?.() : undefined;
      const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => params[name]?.() ?? name);
      const request: Request = {
        method: route.method,
        path: route.id === 'getNotices' ? `${path}?limit=5` : path,
        headers: { accept: 'application/json', ...(route.auth === 'resident' ? auth : {}) },
      };
      return { request: json === undefined ? request : jsonBody(request, json), json };
    },
  };
}

function send(
  apiUrl: string,
  localAddress: string,
  request: Request,
): Promise<{ status: number; text: string } | 'hang'> {
  const url = new URL(apiUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: request.method,
        // What a client can put on the wire: anything outside printable ASCII goes percent-encoded.
        path: request.path.replace(/[^\x21-\x7e]/gu, (c) =>
          Buffer.from(c).toString('hex').replace(/../g, '%$&'),
        ),
        headers: {
          ...request.headers,
          ...(request.body ? { 'content-length': String(request.body.length) } : {}),
        },
        localAddress,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      resolve('hang');
    }, HANG_MS);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(request.body);
  });
}

/**
 * Sends `count` mutated requests, round-robin over the routes, one at a time; returns what came back and
 * every failure. `seed` makes the pass repeatable.
 */
export async function fuzzApi(
  world: World,
  options: { count: number; seed: number; routes?: readonly Route[]; progress?: (sent: number) => void },
): Promise<FuzzResult> {
  const started = performance.now();
  const random = prng(options.seed);
  const routes = options.routes ?? ROUTES;
  const fixtures = await fuzzFixtures(world);
  const result: FuzzResult = { sent: 0, byStatus: {}, byRoute: {}, byMutation: {}, failures: [], seconds: 0 };
  let table: string[];
  for (let i = 0; i < options.count; i++) {
    const route = routes[i % routes.length] as Route;
    const mutation = random.pick(mutationsFor(route));
    const { request, json } = await fixtures.valid(route);
    const mutated = mutation.apply(request, json, random);
    const address = `127.0.${8 + random.int(8)}.${1 + random.int(250)}`;
    table = await world.table.snapshot();
    let answer: { status: number; text: string } | 'hang';
    try {
      answer = await send(world.runtime.apiUrl, address, mutated);
    } catch (error) {
      result.failures.push({
        route: route.id,
        mutation: mutation.name,
        reason: `connection: ${String(error)}`,
      });
      continue;
    }
    result.sent += 1;
    result.byRoute[route.id] = (result.byRoute[route.id] ?? 0) + 1;
    result.byMutation[mutation.name] = (result.byMutation[mutation.name] ?? 0) + 1;
    if (answer === 'hang') {
      result.failures.push({
        route: route.id,
        mutation: mutation.name,
        reason: `no answer in ${HANG_MS} ms`,
      });
      result.byStatus.hang = (result.byStatus.hang ?? 0) + 1;
      continue;
    }
    result.byStatus[answer.status] = (result.byStatus[answer.status] ?? 0) + 1;
    const failure = (reason: string) =>
      result.failures.push({
        route: route.id,
        mutation: mutation.name,
        reason,
        status: answer.status,
        answer: answer.text.slice(0, 300),
      });
    if (answer.status >= 500) failure('5xx');
    if (answer.status >= 400 && answer.status < 500) {
      const after = await world.table.snapshot();
      if (after.length !== table.length || after.some((item, k) => item !== table[k]))
        failure('the table changed after a refused request');
    }
    options.progress?.(result.sent);
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}
