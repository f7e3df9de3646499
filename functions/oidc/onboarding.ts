import type { OnboardingPorts } from './ports.ts';
import {
  checkRelyingParty,
  type RelyingParty,
  RelyingPartyError,
  type RelyingPartyInput,
  sectorOf,
} from './relying-party.ts';

/**
 * Onboarding of relying parties (`npm run client -- register|list|update|remove`, design.md §3.13). The
 * CLI parses its arguments and calls these; they check what an operator gives and keep it in the store.
 */
export async function registerRelyingParty(
  input: RelyingPartyInput,
  ports: OnboardingPorts,
): Promise<RelyingParty> {
  const checked = checkRelyingParty(input, ports.allowLoopback);
  const client: RelyingParty = { clientId: ports.newId(), ...checked, createdAt: ports.now().toISOString() };
  await ports.saveRelyingParty(client, 'create');
  return client;
}

export async function listRelyingParties(ports: OnboardingPorts): Promise<RelyingParty[]> {
  const clients = await ports.relyingParties();
  return clients.sort(
    (a, b) => a.createdAt.localeCompare(b.createdAt) || a.clientId.localeCompare(b.clientId),
  );
}

/**
 * Changes some of a relying party's settings; what is not given stays. Giving keys in one form replaces
 * the other form (a JWK Set replaces a JWKS URI, and the other way round). The sector never changes: the
 * `sub` of every resident it has seen would change with it.
 */
export async function updateRelyingParty(
  clientId: string,
  changes: Partial<RelyingPartyInput>,
  ports: OnboardingPorts,
): Promise<RelyingParty> {
  const current = await ports.relyingParty(clientId);
  if (!current) throw new RelyingPartyError(`no relying party has the client id ${clientId}`);
  if (changes.sector !== undefined && sectorOf(changes.sector) !== current.sector)
    throw new RelyingPartyError(
      'the sector cannot change: every resident would get a new sub; register a new client instead',
    );
  const keys =
    changes.jwks !== undefined
      ? { jwks: changes.jwks }
      : changes.jwksUri !== undefined
        ? { jwksUri: changes.jwksUri }
        : current.jwks
          ? { jwks: current.jwks }
          : { jwksUri: current.jwksUri };
  const checked = checkRelyingParty(
    {
      name: changes.name ?? current.name,
      redirectUris: changes.redirectUris ?? current.redirectUris,
      sector: current.sector,
      claims: changes.claims ?? current.claims,
      ...keys,
    },
    ports.allowLoopback,
  );
  const client: RelyingParty = {
    clientId,
    ...checked,
    createdAt: current.createdAt,
    updatedAt: ports.now().toISOString(),
  };
  await ports.saveRelyingParty(client, 'replace');
  return client;
}

export async function removeRelyingParty(
  clientId: string,
  ports: OnboardingPorts,
): Promise<{ clientId: string }> {
  if (!(await ports.removeRelyingParty(clientId)))
    throw new RelyingPartyError(`no relying party has the client id ${clientId}`);
  return { clientId };
}
