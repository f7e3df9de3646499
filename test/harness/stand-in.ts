import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a stand-in received. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A loopback HTTP stand-in for an AWS endpoint (the unit tests of the adapters that speak to AWS without
 * an SDK client): it records every request, body included, and answers with `respond`, which a test may
 * replace at any time. A `respond` that answers nothing leaves the request hanging, as a hung service does.
 */
export interface StandIn {
  url: string;
  seen: SeenRequest[];
  respond: (request: IncomingMessage, response: ServerResponse) => void;
  close(): Promise<void>;
}

export async function startStandIn(
  respond: StandIn['respond'] = (_request, response) => response.writeHead(404).end(),
): Promise<StandIn> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      standIn.seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      });
      standIn.respond(request, response);
    });
  });
  const standIn: StandIn = {
    url: '',
    seen: [],
    respond,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  standIn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return standIn;
}
