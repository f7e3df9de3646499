import { describe, expect, it } from 'vitest';
import type { AccountRecord } from '#functions/account/model';
import type { AccountPorts } from '#functions/account/ports';
import { meResponse } from '#functions/account/schemas';
import { me } from '#functions/account/use-cases';
import type { ProblemError } from '#functions/shared/problems';

const ACCOUNT = '00000000-0000-4000-8000-000000000001';
const SESSION = { accountId: ACCOUNT, tokenGeneration: 0 };
const record: AccountRecord = {
  accountId: ACCOUNT,
  status: 'active',
  name: '公的　花子',
  sealed: {
    gender: { iv: 'i', ciphertext: 'g', tag: 't' },
    dateOfBirth: { iv: 'i', ciphertext: 'd', tag: 't' },
    address: { iv: 'i', ciphertext: 'a', tag: 't' },
    addressFlags: { iv: 'i', ciphertext: 'f', tag: 't' },
  },
  wrappedDataKey: 'wrapped',
  municipality: { code: '131091', name: '品川区', prefecture: '東京都' },
  certificate: {
    issuerSha256: 'a'.repeat(64),
    issuer: 'OU=JPKI for digital signature,O=JPKI-TEST,C=JP',
    serial: '0123',
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2031-01-01T00:00:00.000Z',
    sha256: 'b'.repeat(64),
    anchor: 'c'.repeat(64),
    testAnchor: true,
  },
};

function ports(account: AccountRecord | undefined) {
  const opened: string[][] = [];
  const p: AccountPorts = {
    account: async (id) => (id === ACCOUNT ? account : undefined),
    openFields: async (_id, wrapped, sealed) => {
      expect(wrapped).toBe('wrapped');
      opened.push(Object.keys(sealed).sort());
      const plain: Record<string, string> = { g: 'female', d: '1966-11-10', a: '東京都品川区広町2-1-10' };
      return Object.fromEntries(Object.entries(sealed).map(([k, v]) => [k, plain[v.ciphertext] as string]));
    },
  };
  return { p, opened };
}

describe('GET /v1/me', () => {
  it('opens the three sealed items in one call (not the flags) and answers the documented shape', async () => {
    const { p, opened } = ports({
      ...record,
      email: { address: 'h@example.jp', verified: true, deliverable: true },
      activity: { seq: 7, hash: 'A'.repeat(43) },
    });
    const body = await me({ accountId: ACCOUNT, tokenGeneration: 0 }, p);
    expect(opened).toEqual([['address', 'dateOfBirth', 'gender']]);
    expect(meResponse.parse(body)).toEqual({
      accountId: ACCOUNT,
      status: 'active',
      reverification: null,
      name: '公的　花子',
      gender: 'female',
      dateOfBirth: '1966-11-10',
      address: '東京都品川区広町2-1-10',
      municipality: { code: '131091', name: '品川区' },
      email: { address: 'h@example.jp', verified: true, deliverable: true },
      emailVerified: true,
      activity: { seq: 7, hash: 'A'.repeat(43) },
    });
  });

  it('shows an account whose certificate was revoked with why and since when', async () => {
    const since = '2026-06-01T03:00:00.000Z';
    const { p } = ports({
      ...record,
      status: 'reverification_required',
      reverification: { reason: 'basic_items_changed', since },
    });
    expect(meResponse.parse(await me(SESSION, p))).toMatchObject({
      status: 'reverification_required',
      reverification: { reason: 'basic_items_changed', since },
    });
  });

  it('shows no e-mail and an empty log as null, and answers 401 when the token names no account', async () => {
    const { p } = ports(record);
    expect((await me(SESSION, p)).email).toBeNull();
    expect((await me(SESSION, p)).activity).toBeNull();
    const error = await me({ ...SESSION, accountId: '00000000-0000-4000-8000-00000000ffff' }, p).catch(
      (e) => e,
    );
    expect((error as ProblemError).code).toBe('unauthorized');
  });

  it('refuses (401) a token of another generation than the account’s, in the same one read', async () => {
    const { p } = ports({ ...record, tokenGeneration: 2 });
    let reads = 0;
    const account = p.account;
    p.account = async (id) => {
      reads += 1;
      return account(id);
    };
    for (const tokenGeneration of [0, 1, 3]) {
      const error = await me({ accountId: ACCOUNT, tokenGeneration }, p).catch((e) => e);
      expect((error as ProblemError).code).toBe('unauthorized');
    }
    expect((await me({ accountId: ACCOUNT, tokenGeneration: 2 }, p)).accountId).toBe(ACCOUNT);
    expect(reads).toBe(4);
  });
});
