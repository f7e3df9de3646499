import { isDependencyFailure } from '../dependency-failure.ts';
import { BEARER } from '../names.ts';
import { ProblemError } from '../problems.ts';

type Municipality = { code: string; name: string };

/** Who a resident route serves: the token's account, and the token generation it was issued at. */
export interface ResidentIdentity {
  accountId: string;
  tokenGeneration: number;
  /**
   * The resident's municipality: the account's, where the route read it with the generation, else the one
   * the token names (tokens issued before it was a claim have none).
   */
  municipality?: Municipality;
}

/** Who a resident route serves (the name the notices use). */
export type Resident = ResidentIdentity;

/**
 * What a route reads of the account for the check: its token generation, or the generation with the
 * municipality; undefined when there is no live account.
 */
export type CurrentState = number | { generation: number; municipality: Municipality } | undefined;

/**
 * The second check of a resident route: the token again (the authorizer checked it first, but API Gateway
 * caches its answer for minutes), the authorizer's subject must agree, and the token's generation must be
 * the account's current one, read consistently, so that a token issued before a recovery, or for an
 * account since deleted, is refused on every request from the moment that change commits.
 *
 * `current` reads the account's generation (undefined: no live account); every route passes one
 * (`accountStore(table).tokenGeneration`, or `residentState` where the route needs the account's current
 * municipality, as the inbox does after a move), except a route whose use case reads the account item anyway:
 * it passes `'in-use-case'` and MUST compare `tokenGeneration` with what it read, with
 * `sameTokenGeneration` (`GET /v1/me` does, to stay at one read). There is no default, so that a new route
 * cannot forget the check.
 */
export function residentAuth(
  check: (token: string) => Promise<{ sub: string; gen?: number; municipality?: Municipality }>,
  current: ((accountId: string) => Promise<CurrentState>) | 'in-use-case',
) {
  return async (
    authorization: string | undefined,
    event: { requestContext: { authorizer?: unknown } },
  ): Promise<ResidentIdentity> => {
    const token = BEARER.exec(authorization ?? '')?.[1];
    if (!token) throw new ProblemError('unauthorized');
    let claims: Awaited<ReturnType<typeof check>>;
    try {
      claims = await check(token);
    } catch (error) {
      if (isDependencyFailure(error))
        throw new ProblemError('service_unavailable', undefined, { cause: error });
      throw new ProblemError('unauthorized');
    }
    const fromAuthorizer = (event.requestContext.authorizer as { accountId?: string } | undefined)?.accountId;
    if (fromAuthorizer !== undefined && fromAuthorizer !== claims.sub) throw new ProblemError('unauthorized');
    const identity: ResidentIdentity = {
      accountId: claims.sub,
      tokenGeneration: claims.gen ?? 0,
      municipality: claims.municipality,
    };
    if (current === 'in-use-case') return identity;
    const state = await current(claims.sub);
    const generation = typeof state === 'object' ? state.generation : state;
    sameTokenGeneration(identity, generation);
    // The account's own municipality, when read, wins over the token's (which may predate a move).
    return typeof state === 'object' ? { ...identity, municipality: state.municipality } : identity;
  };
}

/** Refuses (401) a token whose generation is not the account's current one, or whose account is gone. */
export function sameTokenGeneration(identity: ResidentIdentity, current: number | undefined): void {
  if (current === undefined || current !== identity.tokenGeneration) throw new ProblemError('unauthorized');
}
