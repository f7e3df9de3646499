import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { checkToken } from '../adapters/token-keys.ts';
import { isDependencyFailure } from '../shared/dependency-failure.ts';
import { BEARER } from '../shared/names.ts';
import { logger } from '../shared/powertools.ts';
import type { TokenClaims } from './jwt.ts';

/**
 * The API Gateway TOKEN authorizer in front of every `/v1/me…` route. It verifies the bearer token (ES256,
 * a published kid, issuer, audience, expiry) and allows the resident's routes for the token's subject.
 * API Gateway caches the answer per token, so the policy covers all of `/v1/me` rather than one method.
 * A token it refuses gets a Deny (API Gateway: ACCESS_DENIED, a 401 problem document). Only a fault (KMS
 * unreachable, say) is an error, so that the authorizer's Errors alarm means a fault, and API Gateway
 * answers 503 rather than a 401 that would make the app drop a good token.
 */
/**
 * The authorizer around a token check (the published keys in Lambda; an in-memory one in the benchmark).
 * It reads nothing: whether the token's generation is still the account's (a recovery raises it, a
 * deletion leaves a tombstone) is checked by every resident handler on every request with a strongly
 * consistent read, so API Gateway's cache of this answer cannot keep a revoked token alive (docs/api.md,
 * Revocation). Checking it here too would add DynamoDB to the authorizer's bundle and a read to every cold
 * answer, and refuse nothing the handlers let through.
 */
export function authorizerFor(check: (token: string) => Promise<TokenClaims>) {
  return async (event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    // arn:aws:execute-api:region:account:api-id/stage/METHOD/path → the resident routes of this stage.
    const [arnPrefix, stage] = event.methodArn.split('/') as [string, string];
    const residentRoutes = [`${arnPrefix}/${stage}/*/v1/me`, `${arnPrefix}/${stage}/*/v1/me/*`];
    const policy = (principalId: string, effect: 'Allow' | 'Deny') => ({
      principalId,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: residentRoutes }],
      },
    });
    const match = BEARER.exec(event.authorizationToken ?? '');
    if (!match?.[1]) return policy('anonymous', 'Deny');
    let sub: string;
    try {
      sub = (await check(match[1])).sub;
    } catch (error) {
      if (isDependencyFailure(error)) {
        // Not the token's fault: any error makes API Gateway answer AUTHORIZER_FAILURE (a retryable 503), so
        // the app keeps its token; and only these count as the authorizer's errors (its alarm).
        logger.error('token not checked: a dependency failed', error as Error);
        throw new Error('Dependency unavailable');
      }
      logger.info('token refused', { reason: error instanceof Error ? error.message : 'unknown' });
      return policy('anonymous', 'Deny');
    }
    return { ...policy(sub, 'Allow'), context: { accountId: sub } };
  };
}

export const handler = authorizerFor((token) => checkToken(token));
