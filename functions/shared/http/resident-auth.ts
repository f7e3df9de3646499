import { isDependencyFailure } from '../dependency-failure.ts';
import { BEARER } from '../names.ts';
import { ProblemError } from '../problems.ts';

/** Who a resident route serves: the token's account, and the token generation it was issued at. */
export interface ResidentIdentity {
  accountId: string;
  tokenGeneration: number;
}

/**
 * The second check of a resident route: the token again (the authorizer checked it first, but API Gateway
 * caches its answer for minutes), the authorizer's subject must agree, and the token's generation must be
 * the account's current one, read consistently, so that a token issued before a recovery, or for an
 * account since deleted, is refused on every request from the moment that change commits.
 *
 * `currentGeneration` reads the account's generation (undefined: no live account); every route passes one
 * (`accountStore(table).tokenGeneration`), except a route whose use case reads the account item anyway:
 * it passes `'in-use-case'` and MUST compare `tokenGeneration` with what it read, with
 * `sameTokenGeneration` (`GET /v1/me` does, to stay at one read). There is no default, so that a new route
 * cannot forget the check.
 */
export function residentAuth(
  check: (token: string) => Promise<{ sub: string; gen?: number }>,
  currentGeneration: ((accountId: string) => Promise<number | undefined>) | 'in-use-case',
) {
  return async (
    authorization: string | undefined,
    event: { requestContext: { authorizer?: unknown } },
  ): Promise<ResidentIdentity> => {
    const token = BEARER.exec(authorization ?? '')?.[1];
    if (!token) throw new ProblemError('unauthorized');
    let claims: { sub: string; gen?: number };
    try {
      claims = await check(token);
    } catch (error) {
      if (isDependencyFailure(error))
        throw new ProblemError('service_unavailable', undefined, { cause: error });
      throw new ProblemError('unauthorized');
    }
    const fromAuthorizer = (event.requestContext.authorizer as { accountId?: string } | undefined)?.accountId;
    if (fromAuthorizer !== undefined && fromAuthorizer !== claims.sub) throw new ProblemError('unauthorized');
    const identity = { accountId: claims.sub, tokenGeneration: claims.gen ?? 0 };
    if (currentGeneration !== 'in-use-case')
      sameTokenGeneration(identity, await currentGeneration(claims.sub));
    return identity;
  };
}

/** Refuses (401) a token whose generation is not the account's current one, or whose account is gone. */
export function sameTokenGeneration(identity: ResidentIdentity, current: number | undefined): void {
  if (current === undefined || current !== identity.tokenGeneration) throw new ProblemError('unauthorized');
}
