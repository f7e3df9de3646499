import type * as http from 'node:http';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import type sesLocalType from 'aws-ses-v2-local';
import { isLoopbackHost } from './loopback.ts';

// A CommonJS module with an `exports.default`: required, so that Node and tsx agree on what it is.
const sesLocal = (createRequire(import.meta.url)('aws-ses-v2-local') as { default: typeof sesLocalType })
  .default;

/**
 * The SES stand-in (aws-ses-v2-local: SES v2 and the mailbox page), in a process of its own, answering only
 * requests addressed to a loopback name (lib/local/loopback.ts): a page that rebinds its name to 127.0.0.1
 * cannot read the mails, nor the confirmation links in them. Run as
 * `node --import tsx lib/local/mailbox.ts --host 127.0.0.1 --port <port>`.
 */
const { values } = parseArgs({ options: { host: { type: 'string' }, port: { type: 'string' } } });
const server = await sesLocal({ host: values.host ?? '127.0.0.1', port: Number(values.port) });
const listeners = server.listeners('request') as http.RequestListener[];
server.removeAllListeners('request');
server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
  if (!isLoopbackHost(req.headers.host)) {
    res
      .writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' })
      .end('Forbidden: not a loopback host\n');
    return;
  }
  for (const listener of listeners) listener(req, res);
});
process.stdout.write(`mailbox: aws-ses-v2-local on ${values.host}:${values.port}, loopback names only\n`);
