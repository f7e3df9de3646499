import { isDependencyFailure } from '../dependency-failure.ts';
import { BEARER } from '../names.ts';
import { ProblemError } from '../problems.ts';

/**
 * The second, cheap check of a resident route: the token again (the authorizer checked it first), and the
 * authorizer's subject must agree. Built by a handler from the token check it wires in, so that this module
 * knows nothing of KMS.
 */
export function residentAuth(
  check: (token: string) => Promise<{ sub: string; municipality?: { code: string; name: string } }>,
) {
  return async (
    authorization: string | undefined,
    event: { requestContext: { authorizer?: unknown } },
  ): Promise<Resident> => {
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
    return { accountId: claims.sub, municipality: claims.municipality };
  };
}

/** Who a resident route serves, as its verified token says. */
export interface Resident {
  accountId: string;
  /** The municipality the token names (tokens issued before it was a claim have none). */
  municipality?: { code: string; name: string };
}
