import { type ResidentIdentity, sameTokenGeneration } from '../shared/http/resident-auth.ts';
import { ProblemError } from '../shared/problems.ts';
import type { AccountPorts } from './ports.ts';
import type { MeResponse } from './schemas.ts';

/**
 * `GET /v1/me`: the resident's own record, with the three sealed items opened (one KMS Decrypt at most).
 * The one read of the account also checks the token's generation (see `residentAuth`).
 */
export async function me(identity: ResidentIdentity, ports: AccountPorts): Promise<MeResponse> {
  const { accountId } = identity;
  const account = await ports.account(accountId);
  if (!account) throw new ProblemError('unauthorized', 'The token names no account');
  sameTokenGeneration(identity, account.tokenGeneration ?? 0);
  const { addressFlags: _flags, ...sealed } = account.sealed;
  const open = await ports.openFields(accountId, account.wrappedDataKey, sealed);
  const email = account.email
    ? {
        address: account.email.address,
        verified: account.email.verified,
        deliverable: account.email.deliverable,
      }
    : null;
  return {
    accountId,
    status: account.status,
    reverification: account.reverification
      ? {
          reason: account.reverification.reason as NonNullable<MeResponse['reverification']>['reason'],
          since: account.reverification.since,
        }
      : null,
    name: account.name,
    gender: open.gender as MeResponse['gender'],
    dateOfBirth: open.dateOfBirth as string,
    address: open.address as string,
    municipality: { code: account.municipality.code, name: account.municipality.name },
    email,
    emailVerified: email?.verified ?? false,
    activity: account.activity ? { seq: account.activity.seq, hash: account.activity.hash } : null,
  };
}
