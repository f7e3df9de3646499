import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  listRelyingParties,
  registerRelyingParty,
  removeRelyingParty,
  updateRelyingParty,
} from '#functions/oidc/onboarding';
import type { OnboardingPorts } from '#functions/oidc/ports';
import { type RelyingParty, RelyingPartyError } from '#functions/oidc/relying-party';

function ports(allowLoopback = false): OnboardingPorts & { saved: Map<string, RelyingParty> } {
  const saved = new Map<string, RelyingParty>();
  let clock = Date.parse('2026-11-26T09:00:00Z');
  return {
    saved,
    allowLoopback,
    newId: randomUUID,
    now: () => {
      clock += 1000;
      return new Date(clock);
    },
    relyingParty: async (id) => saved.get(id),
    relyingParties: async () => [...saved.values()],
    saveRelyingParty: async (client, mode) => {
      if (mode === 'create' && saved.has(client.clientId)) throw new Error('exists');
      saved.set(client.clientId, client);
    },
    removeRelyingParty: async (id) => saved.delete(id),
  };
}

const jwks = () => ({
  keys: [generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' })],
});
const input = {
  name: 'とうきょう電子申請',
  redirectUris: ['https://apply.example.lg.jp/cb'],
  jwks: jwks(),
  sector: 'apply.example.lg.jp',
  claims: ['name', 'birthdate'],
};

describe('relying party onboarding', () => {
  it('registers, lists, updates and removes a relying party', async () => {
    const p = ports();
    const client = await registerRelyingParty(input, p);
    expect(client.clientId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await listRelyingParties(p)).toEqual([client]);
    const updated = await updateRelyingParty(
      client.clientId,
      { jwksUri: 'https://apply.example.lg.jp/jwks', claims: ['name'] },
      p,
    );
    expect(updated).toMatchObject({
      jwksUri: 'https://apply.example.lg.jp/jwks',
      claims: ['name'],
      createdAt: client.createdAt,
    });
    expect(updated).not.toHaveProperty('jwks');
    expect(updated.updatedAt).toBeDefined();
    await removeRelyingParty(client.clientId, p);
    expect(p.saved.size).toBe(0);
    await expect(removeRelyingParty(client.clientId, p)).rejects.toThrow(RelyingPartyError);
  });

  it('never changes the sector of a relying party', async () => {
    const p = ports();
    const client = await registerRelyingParty(input, p);
    await expect(updateRelyingParty(client.clientId, { sector: 'other.example.lg.jp' }, p)).rejects.toThrow(
      /sector/,
    );
    await expect(
      updateRelyingParty(client.clientId, { sector: 'https://apply.example.lg.jp/' }, p),
    ).resolves.toBeDefined();
  });

  it('stores nothing when the input is refused', async () => {
    const p = ports();
    await expect(
      registerRelyingParty({ ...input, redirectUris: ['http://127.0.0.1/cb'] }, p),
    ).rejects.toThrow(RelyingPartyError);
    expect(p.saved.size).toBe(0);
    await expect(
      registerRelyingParty({ ...input, redirectUris: ['http://127.0.0.1/cb'] }, ports(true)),
    ).resolves.toBeDefined();
  });
});
