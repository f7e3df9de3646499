import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCard } from '#test/harness/cards';
import { checkedFetch } from '#test/harness/contract';
import { ApiError } from '#test/harness/phone/api';
import type { VirtualPhone } from '#test/harness/phone/phone';
import { tokenFactory } from './tokens.ts';
import { PIN1, PIN2, startWorld, type World } from './world.ts';

/**
 * Activation, sessions, the authorizer and `GET /v1/me` end to end (design.md §3.3): the virtual phone
 * unlocks its device keys with PIN1 and PIN2; every refusal has its code and changes nothing.
 */
let world: World;
let tokens: ReturnType<typeof tokenFactory>;
const registeredPhone = (who = {}): Promise<VirtualPhone> => world.registeredPhone(who);

const state = () => world.table.snapshot();

async function refused(status: number, code: string, send: () => Promise<unknown>): Promise<ApiError> {
  const before = await state();
  const error = await send().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  expect([(error as ApiError).status, (error as ApiError).code]).toEqual([status, code]);
  expect(await state()).toEqual(before);
  return error as ApiError;
}

beforeAll(async () => {
  world = await startWorld();
  tokens = tokenFactory(world.runtime.record);
}, 180_000);

afterAll(async () => {
  tokens?.close();
  await world?.stop();
});

describe('activation and the resident record', () => {
  it('register → activate with PIN1 and PIN2 → GET /v1/me shows the four items of the card', async () => {
    const phone = await registeredPhone({
      name: '公的\u3000花子',
      gender: 'female',
      dateOfBirth: '1966-11-10',
      address: '東京都品川区広町2-1-10',
    });
    const activated = await phone.activate(world.api, '1234', '567890');
    expect(activated).toMatchObject({
      accountId: phone.account?.accountId,
      tokenType: 'Bearer',
      expiresIn: 900,
    });
    const me = await world.api.me(activated.accessToken);
    expect(me).toEqual({
      accountId: phone.account?.accountId,
      status: 'active',
      reverification: null,
      name: '公的\u3000花子',
      gender: 'female',
      dateOfBirth: '1966-11-10',
      address: '東京都品川区広町2-1-10',
      municipality: { code: '131091', name: '品川区' },
      email: null,
      emailVerified: false,
      activity: { seq: 2, hash: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) },
    });
  });

  it('issues ES256 tokens whose kid the JWKS publishes, with the expected claims', async () => {
    const phone = await registeredPhone();
    const { accessToken } = await phone.activate(world.api, '1234', '567890');
    const [header, payload] = accessToken
      .split('.')
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    const jwks = await world.api.request<{ keys: { kid: string; kty: string; crv: string; alg: string }[] }>(
      'GET',
      '/.well-known/jwks.json',
    );
    expect(header).toMatchObject({ alg: 'ES256', typ: 'JWT' });
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(payload).toMatchObject({
      sub: phone.account?.accountId,
      iss: 'urn:xid:local',
      aud: 'urn:xid:local:api',
    });
    expect(payload.exp - payload.iat).toBe(900);
    expect(typeof payload.jti).toBe('string');
  });

  it('logs in later with the auth key (PIN1) through a session challenge', async () => {
    const phone = await registeredPhone();
    await phone.activate(world.api, '1234', '567890');
    const session = await phone.login(world.api, '1234');
    expect((await world.api.me(session.accessToken)).accountId).toBe(phone.account?.accountId);
  });

  it('refuses a wrong PIN on the phone, before anything reaches the API', async () => {
    const phone = await registeredPhone();
    await expect(phone.activate(world.api, '9999', '567890')).rejects.toMatchObject({
      code: 'pin_incorrect',
    });
    expect(phone.deviceKeys.attemptsLeft).toBe(4);
  });
});

describe('a registration that is never activated', () => {
  /** The items of an account (its partition, activation nonce and certificate index), parsed. */
  const itemsOf = async (accountId: string) =>
    (await world.table.snapshot())
      .map((item) => JSON.parse(item) as Record<string, unknown>)
      .filter((item) => String(item.pk).endsWith(accountId) || item.accountId === accountId);

  it('expires whole: every item it wrote carries the activation expiry, so the card is never locked out', async () => {
    const card = await issueCard(world.pki, { name: '放置\u3000一郎' });
    const first = await world.registeredPhone({}, card);
    const accountId = first.account?.accountId as string;
    const items = await itemsOf(accountId);
    const expiry = Math.floor(new Date(first.account?.activation.expiresAt as string).getTime() / 1000);
    // Account, 3 consents, 2 device keys, the activation nonce, the certificate index, and the activity
    // log's first entry (`registered`).
    expect(items).toHaveLength(9);
    for (const item of items) expect([item.pk, item.expiresAt]).toEqual([item.pk, expiry]);

    // Ten minutes later (TTL may take a while to delete them): the card registers again, at once.
    for (const item of items)
      await world.table.put({ ...item, expiresAt: Math.floor(Date.now() / 1000) - 1 });
    const again = await world.registeredPhone({}, card);
    expect(again.account?.accountId).not.toBe(accountId);
    await again.activate(world.api, PIN1, PIN2);
    await expect(first.activate(world.api, PIN1, PIN2)).rejects.toMatchObject({ code: 'challenge_invalid' });
  });

  it('is made permanent by its activation: nothing of the account expires any more', async () => {
    const phone = await registeredPhone();
    const accountId = phone.account?.accountId as string;
    await phone.activate(world.api, PIN1, PIN2);
    const items = await itemsOf(accountId);
    expect(items.map((item) => item.sk).sort()).toEqual([
      'ACTIVITY#000000000001',
      'ACTIVITY#000000000002',
      'CERT',
      'CONSENT#identityVerification',
      'CONSENT#privacyPolicy',
      'CONSENT#terms',
      'DEVICEKEY#auth',
      'DEVICEKEY#sign',
      'PROFILE',
    ]);
    for (const item of items) expect([item.sk, item.expiresAt]).toEqual([item.sk, undefined]);
  });
});

describe('activation refusals', () => {
  it('a proof by the wrong key → 422 proof_invalid', async () => {
    const phone = await registeredPhone();
    const stranger = await registeredPhone();
    const accountId = phone.account?.accountId as string;
    const nonce = phone.account?.activation.nonce as string;
    const forged = {
      authProof: await stranger.prove('auth', '1234', {
        type: 'xid/activation/v1',
        accountId,
        nonce,
        key: 'auth',
      }),
      signProof: await stranger.prove('sign', '567890', {
        type: 'xid/activation/v1',
        accountId,
        nonce,
        key: 'sign',
      }),
    };
    await refused(422, 'proof_invalid', () => world.api.activate(accountId, forged));
  });

  it('the two proofs swapped → 422 proof_invalid', async () => {
    const phone = await registeredPhone();
    const proofs = await phone.activationProofs('1234', '567890');
    const accountId = phone.account?.accountId as string;
    await refused(422, 'proof_invalid', () =>
      world.api.activate(accountId, { authProof: proofs.signProof, signProof: proofs.authProof }),
    );
  });

  it('a replayed nonce on an active account → 409 already_active; an expired nonce → 409 challenge_invalid', async () => {
    const phone = await registeredPhone();
    const proofs = await phone.activationProofs('1234', '567890');
    const accountId = phone.account?.accountId as string;
    await world.api.activate(accountId, proofs);
    await refused(409, 'already_active', () => world.api.activate(accountId, proofs));

    const late = await registeredPhone();
    const lateId = late.account?.accountId as string;
    await world.table.put({
      pk: `ACTIVATION#${lateId}`,
      sk: 'NONCE',
      nonce: late.account?.activation.nonce,
      expiresAt: Math.floor(Date.now() / 1000) - 1,
    });
    await refused(409, 'challenge_invalid', async () =>
      world.api.activate(lateId, await late.activationProofs('1234', '567890')),
    );
  });

  it('a proof for another nonce → 422 proof_invalid; an unknown account → 404 not_found', async () => {
    const phone = await registeredPhone();
    const accountId = phone.account?.accountId as string;
    const other = await phone.activationProofs(
      '1234',
      '567890',
      'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    );
    await refused(422, 'proof_invalid', () => world.api.activate(accountId, other));
    const proofs = await phone.activationProofs('1234', '567890');
    await refused(404, 'not_found', () => world.api.activate('00000000-0000-4000-8000-000000000000', proofs));
  });

  it('a login for an account that does not exist → 422 proof_invalid, writing nothing', async () => {
    const phone = await registeredPhone();
    const ghost = '00000000-0000-4000-8000-00000000beef';
    const challenge = await world.api.createSessionChallenge(ghost);
    const proof = await phone.prove('auth', '1234', {
      type: 'xid/session/v1',
      accountId: ghost,
      nonce: challenge.nonce,
    });
    const before = await world.table.snapshot();
    await expect(
      world.api.createSession({ challengeId: challenge.challengeId, proof }),
    ).rejects.toMatchObject({
      status: 422,
      code: 'proof_invalid',
    });
    expect(await world.table.snapshot()).toEqual(before);
  });

  it('a replayed session proof → 409 challenge_invalid', async () => {
    const phone = await registeredPhone();
    await phone.activate(world.api, '1234', '567890');
    const accountId = phone.account?.accountId as string;
    const challenge = await world.api.createSessionChallenge(accountId);
    const proof = await phone.prove('auth', '1234', {
      type: 'xid/session/v1',
      accountId,
      nonce: challenge.nonce,
    });
    await world.api.createSession({ challengeId: challenge.challengeId, proof });
    await refused(409, 'challenge_invalid', () =>
      world.api.createSession({ challengeId: challenge.challengeId, proof }),
    );
  });
});

describe('the authorizer and the handler check of tokens', () => {
  let accountId: string;
  let good: string;
  beforeAll(async () => {
    const phone = await registeredPhone();
    good = (await phone.activate(world.api, '1234', '567890')).accessToken;
    accountId = phone.account?.accountId as string;
  });

  const rejected = async (authorization: string | undefined) => {
    const response = await checkedFetch(`${world.runtime.apiUrl}/v1/me`, {
      headers: authorization ? { authorization } : {},
    });
    const body = (await response.json()) as { code: string };
    return [response.status, body.code];
  };

  it('accepts the good token', async () => {
    expect((await world.api.me(good)).accountId).toBe(accountId);
  });

  it.each([
    ['no Authorization header', async () => undefined],
    ['a malformed header', async () => 'Bearer not-a-token'],
    ['another scheme', async () => `Basic ${Buffer.from('a:b').toString('base64')}`],
    [
      'an expired token',
      async () =>
        `Bearer ${await tokens.real(accountId, { iat: Math.floor(Date.now() / 1000) - 1000, nbf: Math.floor(Date.now() / 1000) - 1000, exp: Math.floor(Date.now() / 1000) - 100 })}`,
    ],
    [
      'a tampered token',
      async () => {
        const [h, p, s] = good.split('.') as [string, string, string];
        const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
        return `Bearer ${h}.${Buffer.from(JSON.stringify({ ...claims, sub: '00000000-0000-4000-8000-000000000000' })).toString('base64url')}.${s}`;
      },
    ],
    ['alg none', async () => `Bearer ${tokens.none(accountId)}`],
    ['HS256 keyed with the public key', async () => `Bearer ${await tokens.hs256WithPublicKey(accountId)}`],
    [
      'a token for another audience',
      async () => `Bearer ${await tokens.real(accountId, { aud: 'urn:xid:prod:api' })}`,
    ],
    [
      'a token for an account that does not exist',
      async () => `Bearer ${await tokens.real('00000000-0000-4000-8000-000000000000')}`,
    ],
    [
      'a token signed by a key not in the JWKS',
      async () => `Bearer ${await tokens.foreign(accountId, false)}`,
    ],
    ['a foreign key claiming the real kid', async () => `Bearer ${await tokens.foreign(accountId, true)}`],
  ])('refuses %s with 401 unauthorized', async (_, make) => {
    const before = await state();
    expect(await rejected(await make())).toEqual([401, 'unauthorized']);
    expect(await state()).toEqual(before);
  });
});
