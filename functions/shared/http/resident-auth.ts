import { isDependencyFailure } from '../dependency-failure.ts';
import { BEARER } from '../names.ts';
import { ProblemError } from '../problems.ts';

/**
 * The second, cheap check of a resident route: the token again (the authorizer checked it first), and the
 * authorizer's subject must agree. Built by a handler from the token check it wires in, so that this module
 * knows nothing of KMS.
 */
export function residentAuth(check: (token: string) => Promise<{ sub: string }>) {
  return async (
    authorization: string | undefined,
    event: { requestContext: { authorizer?: unknown } },
  ): Promise<string> => {
    const token = BEARER.exec(authorization ?? '')?.[1];
    if (!token) throw new ProblemError('unauthorized');
    let sub: string;
    try {
      sub = (await check(token)).sub;
    } catch (error) {
      if (isDependencyFailure(error))
        throw new ProblemError('service_unavailable', undefined, { cause: error });
      throw new ProblemError('unauthorized');
    }
    const fromAuthorizer = (event.requestContext.authorizer as { accountId?: string } | undefined)?.accountId;
    if (fromAuthorizer !== undefined && fromAuthorizer !== sub) throw new ProblemError('unauthorized');
    return sub;
  };
}
