import { type ResidentIdentity, sameTokenGeneration } from '../shared/http/resident-auth.ts';
import { ProblemError } from '../shared/problems.ts';
import type { DeletionPorts } from './ports.ts';
import type { DeletionBody } from './schemas.ts';

/**
 * `DELETE /v1/me` (退会, design.md §3.10): with a sign proof (PIN2) over a step-up challenge, the account
 * is crypto-shredded. The push endpoint leaves SNS first (a phone must not keep receiving a deleted
 * resident's municipality's pushes because a later step failed); then one transaction removes every
 * personal item and leaves the tombstone that refuses old tokens; then the activity log, which may be too
 * long for one transaction, is swept. The same card may register again at once, as a new account.
 *
 * Returns whether the sweep finished: an interrupted one leaves only activity entries (types, times,
 * municipality codes; nothing of the four items, addresses or tokens), marked on the tombstone.
 */
export async function deleteAccount(
  identity: ResidentIdentity,
  body: DeletionBody,
  ports: DeletionPorts,
): Promise<{ sweep: 'done' } | { sweep: 'incomplete'; cause: unknown }> {
  const { accountId } = identity;
  const account = await ports.deletableAccount(accountId);
  if (!account) throw new ProblemError('unauthorized');
  // The handler's token re-check, in the one read of the account this use case makes anyway.
  sameTokenGeneration(identity, account.tokenGeneration);
  const challenge = await ports.verifyDeletionProof(body.signProof, accountId);
  const [device, subscription] = await Promise.all([ports.device(accountId), ports.subscription(accountId)]);
  if (subscription) await ports.unsubscribe(subscription.subscriptionArn);
  if (device) await ports.deleteEndpoint(device.endpointArn);
  await ports.deleteAccount({ account, challenge, at: ports.now(), removedEndpoint: device?.endpointArn });
  try {
    await ports.sweepAccount(accountId);
    return { sweep: 'done' };
  } catch (cause) {
    return { sweep: 'incomplete', cause };
  }
}
