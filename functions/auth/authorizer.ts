import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { accountStore } from '../adapters/account-store.ts';
import { checkToken } from '../adapters/token-keys.ts';
import { required } from '../shared/config.ts';
import { isDependencyFailure } from '../shared/dependency-failure.ts';
import { ENV } from '../shared/env.ts';
import { BEARER } from '../shared/names.ts';
import { logger } from '../shared/powertools.ts';
import { type TokenClaims, TokenError } from './jwt.ts';

/**
 * The API Gateway TOKEN authorizer in front of every `/v1/me…` route. It verifies the bearer token (ES256,
 * a published kid, issuer, audience, expiry) and allows the resident's routes for the token's subject.
 * API Gateway caches the answer per token, so the policy covers all of `/v1/me` rather than one method.
 * A token it refuses gets a Deny (API Gateway: ACCESS_DENIED, a 401 problem document). Only a fault (KMS
 * unreachable, say) is an error, so that the authorizer's Errors alarm means a fault, and API Gateway
 * answers 503 rather than a 401 that would make the app drop a good token.
 */
/**
 * The authorizer around a token check and the account's current token generation (KMS and DynamoDB in
 * Lambda; memory in the benchmark). A token whose generation is not the account's current one (a recovery
 * raised it), or whose account is gone (deleted: a tombstone), is refused. The handlers check the same on
 * every request, so API Gateway's cache of this answer cannot keep such a token alive.
 */
export function authorizerFor(
  check: (token: string) => Promise<TokenClaims>,
  currentGeneration: (accountId: string) => Promise<number | undefined>,
) {
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
      const claims = await check(match[1]);
      sub = claims.sub;
      if ((await currentGeneration(sub)) !== (claims.gen ?? 0)) throw new TokenError('revoked or deleted');
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

let generations: ((accountId: string) => Promise<number | undefined>) | undefined;
export const handler = authorizerFor(
  (token) => checkToken(token),
  (accountId) => {
    generations ??= accountStore(required(ENV.tableName)).tokenGeneration;
    return generations(accountId);
  },
);
