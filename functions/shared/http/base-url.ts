import type { APIGatewayProxyEvent } from 'aws-lambda';
import { optional } from '../config.ts';
import { ENV } from '../env.ts';
import { header } from './middleware.ts';

/**
 * The public address of the API, for links the API hands out. A stage with a custom domain configures it
 * (`XID_PUBLIC_BASE_URL`); otherwise it is rebuilt from the execute-api host and stage that served the
 * request, which is what a client reached. In the configured form `{host}` stands for the request's `Host`:
 * the local runtime sets `http://{host}`, so that a phone gets links to the address it used (its gateway
 * answers only its own names, see lib/local/hosts.ts).
 */
export function publicBaseUrl(event: APIGatewayProxyEvent): string {
  const configured = optional(ENV.publicBaseUrl);
  const { domainName, stage } = event.requestContext;
  if (configured) {
    const host = header(event, 'host') ?? domainName ?? '';
    return configured.replace('{host}', host).replace(/\/+$/, '');
  }
  return `https://${domainName}/${stage}`;
}
