import * as http from 'node:http';
import { z } from 'zod';

/**
 * The fault-injection seam of the local runtime (local stage only): an HTTP proxy between the handlers and
 * an AWS stand-in (moto, or the SES stand-in) that forwards every call, unless a rule says the call must
 * fail. The handlers' AWS clients point at it (`XID_LOCAL_AWS_ENDPOINT`, `XID_LOCAL_SES_ENDPOINT`); the
 * runtime's own plumbing and the tests' table scans talk to the stand-ins directly.
 *
 * Rules come from `XID_FAULTS` (JSON) at start and from `PUT /_local/faults` at run time; each names a
 * service (the SigV4 credential scope: `dynamodb`, `kms`, `sns`, `ses`), optionally an action
 * (`TransactWriteItems`, `Decrypt`, `Publish`, `SendEmail` …), what to do, and optionally how many
 * matching calls it applies to.
 */
export const FAULTS = ['refuse', 'server-error', 'throttle', 'hang', 'drop-response', 'conflict'] as const;

export const faultRule = z.strictObject({
  service: z.enum(['dynamodb', 'kms', 'sns', 'ses']),
  action: z
    .string()
    .regex(/^[A-Za-z]+$/)
    .optional(),
  /**
   * `refuse`: the connection is reset before anything happens. `server-error`: 500. `throttle`: the
   * service's throttling error. `hang`: no answer at all (the client's timeout decides). `drop-response`:
   * the call reaches the stand-in (a write lands) and then the connection is reset. `conflict`: DynamoDB
   * cancels the transaction with `TransactionConflict` on every item.
   */
  fault: z.enum(FAULTS),
  /** Applies to this many matching calls, then the rule is spent; every matching call when absent. */
  times: z.number().int().positive().optional(),
});

export type FaultRule = z.infer<typeof faultRule>;
export const faultRules = z.array(faultRule).max(50);

interface ActiveRule extends FaultRule {
  remaining: number;
  hits: number;
}

export interface FaultProxy {
  url: string;
  /** Replaces the rules (an empty list lifts every fault). */
  setRules(rules: FaultRule[]): void;
  rules(): { rule: FaultRule; hits: number; remaining: number | null }[];
  close(): Promise<void>;
}

/** Service and action of a signed AWS request, from the SigV4 scope and the protocol's action marker. */
export function callOf(
  headers: http.IncomingHttpHeaders,
  url: string,
  body: Buffer,
): { service: string; action: string } {
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([a-z0-9-]+)\/aws4_request/.exec(
    String(headers.authorization ?? ''),
  );
  const service = scope?.[1] ?? 'unknown';
  const target = String(headers['x-amz-target'] ?? '');
  if (target) return { service, action: target.split('.').at(-1) ?? '' };
  const form = /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString('utf8'));
  if (form?.[1]) return { service, action: form[1] };
  // SES v2 is REST: name the few routes the project uses.
  if (/\/v2\/email\/outbound-emails/.test(url)) return { service, action: 'SendEmail' };
  return { service, action: 'unknown' };
}

function errorBody(service: string, code: string, message: string, extra: object = {}) {
  if (service === 'sns') {
    return {
      type: 'text/xml',
      body: `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>local-fault</RequestId></ErrorResponse>`,
    };
  }
  if (service === 'ses') return { type: 'application/json', body: JSON.stringify({ message, ...extra }) };
  return {
    type: 'application/x-amz-json-1.0',
    body: JSON.stringify({ __type: `com.amazonaws.local#${code}`, message, Message: message, ...extra }),
  };
}

const THROTTLE_CODE: Record<string, string> = {
  dynamodb: 'ThrottlingException',
  kms: 'ThrottlingException',
  sns: 'Throttling',
  ses: 'TooManyRequestsException',
};

export async function startFaultProxy(upstream: string, initial: FaultRule[] = []): Promise<FaultProxy> {
  let active: ActiveRule[] = [];
  const setRules = (rules: FaultRule[]) => {
    active = rules.map((rule) => ({ ...rule, remaining: rule.times ?? Number.POSITIVE_INFINITY, hits: 0 }));
  };
  setRules(initial);
  const hanging = new Set<http.ServerResponse>();

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const call = callOf(req.headers, req.url ?? '/', body);
    const rule = active.find(
      (r) => r.remaining > 0 && r.service === call.service && (!r.action || r.action === call.action),
    );
    if (rule) {
      rule.remaining -= 1;
      rule.hits += 1;
    }
    const fail = (status: number, code: string, message: string, extra: object = {}) => {
      const { type, body: text } = errorBody(call.service, code, message, extra);
      res.writeHead(status, { 'Content-Type': type, 'x-amzn-ErrorType': code });
      res.end(text);
    };
    switch (rule?.fault) {
      case 'refuse':
        req.socket.destroy();
        return;
      case 'hang':
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      case 'server-error':
        return fail(500, 'InternalServerError', 'local fault: the service failed');
      case 'throttle':
        return fail(400, THROTTLE_CODE[call.service] ?? 'ThrottlingException', 'local fault: rate exceeded');
      case 'conflict': {
        if (call.service !== 'dynamodb' || call.action !== 'TransactWriteItems') break;
        const items =
          (JSON.parse(body.toString('utf8')) as { TransactItems?: unknown[] }).TransactItems ?? [];
        return fail(400, 'TransactionCanceledException', 'Transaction cancelled [TransactionConflict]', {
          CancellationReasons: items.map(() => ({
            Code: 'TransactionConflict',
            Message: 'Transaction is ongoing for the item',
          })),
        });
      }
      default:
        break;
    }
    const forwarded = await fetch(new URL(req.url ?? '/', upstream), {
      method: req.method,
      headers: Object.fromEntries(
        Object.entries(req.headers).flatMap(([k, v]) =>
          v === undefined || k === 'host' || k === 'connection' || k === 'content-length'
            ? []
            : [[k, Array.isArray(v) ? v.join(', ') : v]],
        ),
      ),
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
    }).catch(() => undefined);
    if (!forwarded) {
      req.socket.destroy();
      return;
    }
    const answer = Buffer.from(await forwarded.arrayBuffer());
    if (rule?.fault === 'drop-response') {
      req.socket.destroy();
      return;
    }
    const headers: Record<string, string> = {};
    forwarded.headers.forEach((value, key) => {
      if (!['content-encoding', 'transfer-encoding', 'connection', 'content-length'].includes(key))
        headers[key] = value;
    });
    res.writeHead(forwarded.status, headers);
    res.end(answer);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    setRules,
    rules: () =>
      active.map(({ remaining, hits, ...rule }) => ({
        rule,
        hits,
        remaining: Number.isFinite(remaining) ? remaining : null,
      })),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
