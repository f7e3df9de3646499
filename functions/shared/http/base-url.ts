import type { APIGatewayProxyEvent } from 'aws-lambda';
import { optional } from '../config.ts';
import { ENV } from '../env.ts';

/**
 * The public address of the API, for links the API hands out. A stage with a custom domain configures it
 * (`XID_PUBLIC_BASE_URL`); otherwise it is rebuilt from the execute-api host and stage that served the
 * request, which is what a client reached.
 */
export function publicBaseUrl(event: APIGatewayProxyEvent): string {
  const configured = optional(ENV.publicBaseUrl);
  if (configured) return configured.replace(/\/+$/, '');
  const { domainName, stage } = event.requestContext;
  return `https://${domainName}/${stage}`;
}
