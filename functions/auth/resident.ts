import { checkToken } from '../adapters/token-keys.ts';
import { Failure } from '../shared/problems.ts';
import { BEARER } from './authorizer.ts';

/** The second, cheap check of a resident route: the token again, and the authorizer's subject must agree. */
export async function resident(
  authorization: string | undefined,
  event: { requestContext: { authorizer?: unknown } },
) {
  const token = BEARER.exec(authorization ?? '')?.[1];
  if (!token) throw new Failure('unauthorized');
  let sub: string;
  try {
    sub = (await checkToken(token)).sub;
  } catch {
    throw new Failure('unauthorized');
  }
  const fromAuthorizer = (event.requestContext.authorizer as { accountId?: string } | undefined)?.accountId;
  if (fromAuthorizer !== undefined && fromAuthorizer !== sub) throw new Failure('unauthorized');
  return sub;
}
