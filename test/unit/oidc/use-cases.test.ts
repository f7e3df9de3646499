import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { OAuthError, type PageError } from '#functions/oidc/errors';
import {
  authorizations,
  authorize,
  CODE_TTL_SECONDS,
  claimRequest,
  continueRequest,
  decide,
  exchangeCode,
  loginHint,
  pendingRequests,
  REQUEST_TTL_SECONDS,
  requestStatus,
  revokeAuthorization,
  userinfo,
} from '#functions/oidc/use-cases';
import { ProblemError } from '#functions/shared/problems';
import { fakeOidc } from './fakes.ts';
import {
  authorizeQuery,
  ISSUER,
  pkce,
  relyingParty,
  resident,
  TOKEN_ENDPOINT,
  tokenForm,
} from './helpers.ts';

type World = ReturnType<typeof fakeOidc>;

async function setup(options: { scope?: string } = {}) {
  const world = fakeOidc();
  const rp = await relyingParty();
  world.clients.set(rp.client.clientId, rp.client);
  const hanako = resident();
  world.addResident(hanako.record, 'hanako@example.jp');
  return { world, rp, hanako, scope: options.scope ?? 'openid profile' };
}

/** Authorize → the page's request; answers what the browser holds. */
async function start(world: World, rp: Awaited<ReturnType<typeof relyingParty>>, changes = {}) {
  const { verifier, challenge } = pkce();
  const outcome = await authorize(
    authorizeQuery(rp.client, challenge, changes),
    { issuer: ISSUER },
    world.ports,
  );
  if (outcome.kind !== 'created') throw new Error(`authorize answered ${outcome.kind}`);
  const request = world.requests.get(outcome.requestId);
  if (!request) throw new Error('no request stored');
  return { ...outcome, verifier, request };
}

async function approveAndContinue(
  world: World,
  started: Awaited<ReturnType<typeof start>>,
  who: ReturnType<typeof resident>,
) {
  await claimRequest(who.accountId, started.request.userCode, world.ports);
  await decide(
    who.accountId,
    started.requestId,
    { decision: 'approve', proof: who.decide(started.request, 'approve') },
    world.ports,
  );
  const { location } = await continueRequest(started.requestId, started.browserSecret, ISSUER, world.ports);
  return new URL(location);
}

async function signIn(
  world: World,
  rp: Awaited<ReturnType<typeof relyingParty>>,
  who: ReturnType<typeof resident>,
) {
  const started = await start(world, rp);
  const back = await approveAndContinue(world, started, who);
  const code = back.searchParams.get('code') as string;
  const tokens = await exchangeCode(
    tokenForm(
      code,
      started.verifier,
      await rp.assertion({}, world.ports.now()),
      rp.client.redirectUris[0] as string,
    ),
    ISSUER,
    world.ports,
  );
  return { started, back, code, tokens };
}

const oauthError = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OAuthError);
  return error as OAuthError;
};

const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProblemError);
  return (error as ProblemError).code;
};

describe('sign in with xID: the whole flow with in-memory ports', () => {
  it('releases exactly the approved claims in the ID token and at userinfo, under a pairwise sub', async () => {
    const { world, rp, hanako } = await setup();
    const { back, tokens, started } = await signIn(world, rp, hanako);
    expect(back.origin + back.pathname).toBe(rp.client.redirectUris[0]);
    expect(back.searchParams.get('state')).toBe('state-123');
    expect(back.searchParams.get('iss')).toBe(ISSUER);

    expect(decodeProtectedHeader(tokens.id_token)).toMatchObject({ alg: 'ES256', kid: world.tokenKey.kid });
    const id = decodeJwt(tokens.id_token);
    expect(id).toMatchObject({
      iss: ISSUER,
      aud: rp.client.clientId,
      nonce: 'nonce-456',
      name: '公的　花子',
      gender: 'female',
      birthdate: '1966-11-10',
    });
    expect(id.sub).not.toBe(hanako.accountId);
    expect(id.sub).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(id).not.toHaveProperty('address');
    expect(id).not.toHaveProperty('email');
    expect((id.exp as number) - (id.iat as number)).toBe(600);
    expect(id.auth_time).toBe(Math.floor(world.ports.now().getTime() / 1000));

    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ typ: 'at+jwt' });
    const info = await userinfo(tokens.access_token, ISSUER, world.ports);
    expect(info).toEqual({ sub: id.sub, name: '公的　花子', gender: 'female', birthdate: '1966-11-10' });
    expect(world.activity).toEqual([
      {
        accountId: hanako.accountId,
        entry: {
          type: 'authorized',
          at: world.ports.now(),
          detail: {
            clientId: rp.client.clientId,
            clientName: rp.client.name,
            claims: started.request.claims,
          },
        },
      },
    ]);
  });

  it('gives one relying party the same sub every time, and relying parties of other sectors other subs', async () => {
    const { world, rp, hanako } = await setup();
    const other = await relyingParty({ sector: 'pref.example.lg.jp' });
    const sameSector = await relyingParty({ sector: rp.client.sector });
    for (const party of [other, sameSector]) world.clients.set(party.client.clientId, party.client);
    const sub = async (party: typeof rp) =>
      decodeJwt((await signIn(world, party, hanako)).tokens.id_token).sub;
    const first = await sub(rp);
    expect(await sub(rp)).toBe(first);
    expect(await sub(other)).not.toBe(first);
    expect(await sub(sameSector)).toBe(first);
  });

  it('opens the sealed items only for claims that need them', async () => {
    const { world, rp, hanako } = await setup();
    const started = await start(world, rp, { scope: 'openid email municipality' });
    const back = await approveAndContinue(world, started, hanako);
    const tokens = await exchangeCode(
      tokenForm(
        back.searchParams.get('code') as string,
        started.verifier,
        await rp.assertion({}, world.ports.now()),
        rp.client.redirectUris[0] as string,
      ),
      ISSUER,
      world.ports,
    );
    expect(decodeJwt(tokens.id_token)).toMatchObject({
      email: 'hanako@example.jp',
      email_verified: true,
      municipality_code: '131091',
    });
    expect(world.counts.sealedOpens).toBe(0);
  });

  it('lists what was given and revokes it, with every token issued under it', async () => {
    const { world, rp, hanako } = await setup();
    const { tokens } = await signIn(world, rp, hanako);
    expect((await authorizations(hanako.accountId, world.ports)).items).toEqual([
      expect.objectContaining({
        clientId: rp.client.clientId,
        clientName: rp.client.name,
        claims: ['name', 'gender', 'birthdate'],
      }),
    ]);
    await revokeAuthorization(hanako.accountId, rp.client.clientId, world.ports);
    expect((await authorizations(hanako.accountId, world.ports)).items).toEqual([]);
    expect((await oauthError(userinfo(tokens.access_token, ISSUER, world.ports))).error).toBe(
      'invalid_token',
    );
    expect(await failure(revokeAuthorization(hanako.accountId, rp.client.clientId, world.ports))).toBe(
      'not_found',
    );
  });
});

describe('sign in with xID: the authorize endpoint', () => {
  it.each([
    ['a missing code_challenge', { code_challenge: undefined }],
    ['plain PKCE', { code_challenge_method: 'plain' }],
    ['no code_challenge_method', { code_challenge_method: undefined }],
    ['a missing state', { state: undefined }],
    ['a missing nonce', { nonce: undefined }],
    ['a repeated parameter', { scope: ['openid', 'openid profile'] }],
  ])('redirects %s back as invalid_request, with state where given', async (_, changes) => {
    const { world, rp } = await setup();
    const outcome = await authorize(
      authorizeQuery(rp.client, pkce().challenge, changes),
      { issuer: ISSUER },
      world.ports,
    );
    expect(outcome.kind).toBe('redirect');
    const location = new URL((outcome as { location: string }).location);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('iss')).toBe(ISSUER);
    if (!('state' in changes)) expect(location.searchParams.get('state')).toBe('state-123');
    expect(world.requests.size).toBe(0);
  });

  it('refuses a claim the client may not ask for as invalid_scope', async () => {
    const { world } = await setup();
    const narrow = await relyingParty({ claims: ['name'] });
    world.clients.set(narrow.client.clientId, narrow.client);
    const outcome = await authorize(
      authorizeQuery(narrow.client, pkce().challenge, { scope: 'openid profile' }),
      { issuer: ISSUER },
      world.ports,
    );
    const location = new URL((outcome as { location: string }).location);
    expect(location.searchParams.get('error')).toBe('invalid_scope');
    expect(location.searchParams.get('error_description')).toContain('gender');
  });

  it.each([
    ['an unknown client', (c: { clientId: string }) => ({ client_id: `${c.clientId}x` }), 'unknown_client'],
    ['no client', () => ({ client_id: undefined }), 'client_missing'],
    [
      'a redirect URI that is not registered',
      () => ({ redirect_uri: 'https://evil.example/cb' }),
      'redirect_uri_mismatch',
    ],
    [
      'a registered redirect URI with a trailing slash',
      () => ({ redirect_uri: 'https://apply.city.example.lg.jp/callback/' }),
      'redirect_uri_mismatch',
    ],
    ['no redirect URI', () => ({ redirect_uri: undefined }), 'redirect_uri_missing'],
  ])('shows %s as a page and redirects nowhere', async (_, change, error) => {
    const { world, rp } = await setup();
    const outcome = await authorize(
      authorizeQuery(rp.client, pkce().challenge, change(rp.client)),
      { issuer: ISSUER },
      world.ports,
    );
    expect(outcome.kind).toBe('page');
    expect((outcome as { error: PageError }).error.code).toBe(error);
  });

  it('gives the page a short user code and the browser a cookie secret, and stores only its hash', async () => {
    const { world, rp } = await setup();
    const started = await start(world, rp);
    expect(started.request.userCode).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(started.location).toBe(`${ISSUER}/oauth2/requests/${started.requestId}`);
    expect(JSON.stringify(started.request)).not.toContain(started.browserSecret);
    expect(started.request.expiresAt.getTime() - started.request.createdAt.getTime()).toBe(
      REQUEST_TTL_SECONDS * 1000,
    );
  });
});

describe('sign in with xID: login hints', () => {
  it('answers the same for a known and an unknown address, and pushes only to the known one', async () => {
    const { world, rp, hanako } = await setup();
    const one = await start(world, rp);
    const two = await start(world, rp);
    const known = await loginHint(one.requestId, 'hanako@example.jp', world.ports);
    const unknown = await loginHint(two.requestId, 'nobody@example.jp', world.ports);
    expect(Object.keys(known)).toEqual(Object.keys(unknown));
    expect(world.pushes).toEqual([
      expect.objectContaining({ accountId: hanako.accountId, requestId: one.requestId }),
    ]);
    expect((await pendingRequests(hanako.accountId, world.ports)).items.map((i) => i.requestId)).toEqual([
      one.requestId,
    ]);
  });

  it('takes the hint from the authorize request too', async () => {
    const { world, rp, hanako } = await setup();
    const started = await start(world, rp, { login_hint: 'Hanako@Example.JP' });
    expect(world.pushes.map((p) => p.requestId)).toEqual([started.requestId]);
    expect((await pendingRequests(hanako.accountId, world.ports)).items).toHaveLength(1);
  });

  it('limits hints per request and per address, the same for unknown addresses', async () => {
    const { world, rp } = await setup();
    const started = await start(world, rp);
    for (let i = 0; i < 3; i++) await loginHint(started.requestId, 'nobody@example.jp', world.ports);
    expect(await failure(loginHint(started.requestId, 'nobody@example.jp', world.ports))).toBe(
      'rate_limited',
    );
    // 3 counted above; 7 more requests take the address to its hourly 10, the next one is refused.
    const others = await Promise.all(Array.from({ length: 8 }, () => start(world, rp)));
    for (const other of others.slice(0, 7))
      await loginHint(other.requestId, 'nobody@example.jp', world.ports);
    expect(
      await failure(
        loginHint((others[7] as { requestId: string }).requestId, 'nobody@example.jp', world.ports),
      ),
    ).toBe('rate_limited');
  });

  it('refuses an address that is not one', async () => {
    const { world, rp } = await setup();
    const started = await start(world, rp);
    expect(await failure(loginHint(started.requestId, 'not an address', world.ports))).toBe(
      'invalid_request',
    );
  });
});

describe('sign in with xID: the decision', () => {
  it('refuses approval by an account that must re-verify its identity, but lets it decline', async () => {
    const { world, rp } = await setup();
    const stale = resident(undefined, 'reverification_required');
    world.addResident(stale.record);
    const started = await start(world, rp);
    await claimRequest(stale.accountId, started.request.userCode, world.ports);
    const approve = decide(
      stale.accountId,
      started.requestId,
      { decision: 'approve', proof: stale.decide(started.request, 'approve') },
      world.ports,
    );
    expect(await failure(approve)).toBe('reverification_required');
    expect(world.grants.size).toBe(0);
    expect(
      await decide(
        stale.accountId,
        started.requestId,
        { decision: 'deny', proof: stale.decide(started.request, 'deny') },
        world.ports,
      ),
    ).toEqual({ requestId: started.requestId, state: 'denied' });
  });

  it('refuses a proof over another decision, another request or by another key, and counts it', async () => {
    const { world, rp, hanako } = await setup();
    const started = await start(world, rp);
    const other = await start(world, rp);
    await claimRequest(hanako.accountId, started.request.userCode, world.ports);
    const stranger = resident();
    const proofs = [
      hanako.decide(started.request, 'deny'),
      hanako.decide(other.request, 'approve'),
      hanako.decide({ ...started.request, claims: ['name'] }, 'approve'),
      stranger.decide(started.request, 'approve'),
    ];
    for (const proof of proofs) {
      expect(
        await failure(
          decide(hanako.accountId, started.requestId, { decision: 'approve', proof }, world.ports),
        ),
      ).toBe('proof_invalid');
    }
    expect(await requestStatus(started.requestId, world.ports)).toEqual({ state: 'pending' });
  });

  it('answers not_found for a request not addressed to the account', async () => {
    const { world, rp, hanako } = await setup();
    const started = await start(world, rp);
    const proof = hanako.decide(started.request, 'approve');
    expect(
      await failure(decide(hanako.accountId, started.requestId, { decision: 'approve', proof }, world.ports)),
    ).toBe('not_found');
  });

  it('sends a denied request back as access_denied', async () => {
    const { world, rp, hanako } = await setup();
    const started = await start(world, rp);
    await claimRequest(hanako.accountId, started.request.userCode, world.ports);
    await decide(
      hanako.accountId,
      started.requestId,
      { decision: 'deny', proof: hanako.decide(started.request, 'deny') },
      world.ports,
    );
    expect(await requestStatus(started.requestId, world.ports)).toEqual({ state: 'denied' });
    const location = new URL(
      (await continueRequest(started.requestId, started.browserSecret, ISSUER, world.ports)).location,
    );
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      error: 'access_denied',
      state: 'state-123',
      iss: ISSUER,
    });
    expect(location.searchParams.has('code')).toBe(false);
  });

  it('expires a request after 5 minutes: no claim, no decision, access_denied on continue', async () => {
    const { world, rp, hanako } = await setup();
    const started = await start(world, rp);
    await claimRequest(hanako.accountId, started.request.userCode, world.ports);
    world.advance(REQUEST_TTL_SECONDS);
    expect(await requestStatus(started.requestId, world.ports)).toEqual({ state: 'expired' });
    expect(await failure(claimRequest(hanako.accountId, started.request.userCode, world.ports))).toBe(
      'not_found',
    );
    const proof = hanako.decide(started.request, 'approve');
    expect(
      await failure(decide(hanako.accountId, started.requestId, { decision: 'approve', proof }, world.ports)),
    ).toBe('authorization_request_closed');
    const location = new URL(
      (await continueRequest(started.requestId, started.browserSecret, ISSUER, world.ports)).location,
    );
    expect(location.searchParams.get('error')).toBe('access_denied');
  });

  it('decides a request once', async () => {
    const { world, rp, hanako } = await setup();
    const started = await start(world, rp);
    await approveAndContinue(world, started, hanako);
    const proof = hanako.decide(started.request, 'deny');
    expect(
      await failure(decide(hanako.accountId, started.requestId, { decision: 'deny', proof }, world.ports)),
    ).toBe('authorization_request_closed');
  });

  it('limits user-code guesses per account', async () => {
    const { world, hanako } = await setup();
    for (let i = 0; i < 20; i++)
      expect(await failure(claimRequest(hanako.accountId, 'BBBB-BBBB', world.ports))).toBe('not_found');
    expect(await failure(claimRequest(hanako.accountId, 'BBBB-BBBB', world.ports))).toBe('rate_limited');
  });
});

describe('sign in with xID: continue', () => {
  it('continues only in the browser that started, and only once', async () => {
    const { world, rp, hanako } = await setup();
    const started = await start(world, rp);
    await claimRequest(hanako.accountId, started.request.userCode, world.ports);
    await expect(
      continueRequest(started.requestId, started.browserSecret, ISSUER, world.ports),
    ).resolves.toEqual({
      location: started.location,
    });
    await decide(
      hanako.accountId,
      started.requestId,
      { decision: 'approve', proof: hanako.decide(started.request, 'approve') },
      world.ports,
    );
    for (const secret of [undefined, 'x'.repeat(43)]) {
      await expect(continueRequest(started.requestId, secret, ISSUER, world.ports)).rejects.toMatchObject({
        code: 'browser_mismatch',
      });
    }
    await continueRequest(started.requestId, started.browserSecret, ISSUER, world.ports);
    await expect(
      continueRequest(started.requestId, started.browserSecret, ISSUER, world.ports),
    ).rejects.toMatchObject({
      code: 'request_completed',
    });
    expect(world.codes.size).toBe(1);
  });
});

describe('sign in with xID: the token endpoint', () => {
  async function withCode() {
    const { world, rp, hanako } = await setup();
    const started = await start(world, rp);
    const back = await approveAndContinue(world, started, hanako);
    const code = back.searchParams.get('code') as string;
    const form = async (changes: Record<string, string | undefined> = {}, assertion?: string) => {
      const base: Record<string, string | undefined> = {
        ...tokenForm(
          code,
          started.verifier,
          assertion ?? (await rp.assertion({}, world.ports.now())),
          rp.client.redirectUris[0] as string,
        ),
        ...changes,
      };
      return Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as Record<
        string,
        string
      >;
    };
    return { world, rp, hanako, code, form, started };
  }

  it('refuses a replayed code and revokes the token it was redeemed for', async () => {
    const { world, form } = await withCode();
    const tokens = await exchangeCode(await form(), ISSUER, world.ports);
    await expect(userinfo(tokens.access_token, ISSUER, world.ports)).resolves.toHaveProperty('sub');
    expect((await oauthError(exchangeCode(await form(), ISSUER, world.ports))).error).toBe('invalid_grant');
    expect((await oauthError(userinfo(tokens.access_token, ISSUER, world.ports))).error).toBe(
      'invalid_token',
    );
  });

  it('refuses a code after 60 seconds', async () => {
    const { world, form } = await withCode();
    world.advance(CODE_TTL_SECONDS);
    expect((await oauthError(exchangeCode(await form(), ISSUER, world.ports))).error).toBe('invalid_grant');
  });

  it.each([
    ['a wrong code_verifier', { code_verifier: 'a'.repeat(43) }, 'invalid_grant'],
    ['no code_verifier', { code_verifier: undefined }, 'invalid_request'],
    ['another redirect_uri', { redirect_uri: 'https://apply.city.example.lg.jp/other' }, 'invalid_grant'],
    ['an unknown code', { code: 'x'.repeat(43) }, 'invalid_grant'],
    ['another grant type', { grant_type: 'refresh_token' }, 'unsupported_grant_type'],
    ['a client secret', { client_secret: 'secret' }, 'invalid_client'],
    ['no client assertion', { client_assertion: undefined }, 'invalid_client'],
    ['another client_id', { client_id: 'someone-else' }, 'invalid_client'],
  ])('refuses %s', async (_, changes, error) => {
    const { world, form } = await withCode();
    const refused = await oauthError(exchangeCode(await form(changes), ISSUER, world.ports));
    expect(refused.error).toBe(error);
    expect(refused.status).toBe(error === 'invalid_client' ? 401 : 400);
  });

  it.each([
    [
      'signed by another key',
      async (rp: Awaited<ReturnType<typeof relyingParty>>, now: Date) => {
        const other = await relyingParty();
        return rp.assertion({ key: other.privateKey }, now);
      },
    ],
    [
      'for another audience',
      (rp: Awaited<ReturnType<typeof relyingParty>>, now: Date) => rp.assertion({ aud: ISSUER }, now),
    ],
    [
      'for two audiences',
      (rp: Awaited<ReturnType<typeof relyingParty>>, now: Date) =>
        rp.assertion({ aud: [TOKEN_ENDPOINT, ISSUER] }, now),
    ],
    [
      'expired',
      (rp: Awaited<ReturnType<typeof relyingParty>>, now: Date) =>
        rp.assertion({ exp: Math.floor(now.getTime() / 1000) - 120 }, now),
    ],
    [
      'valid for an hour',
      (rp: Awaited<ReturnType<typeof relyingParty>>, now: Date) =>
        rp.assertion({ exp: Math.floor(now.getTime() / 1000) + 3600 }, now),
    ],
    [
      'with sub other than iss',
      (rp: Awaited<ReturnType<typeof relyingParty>>, now: Date) => rp.assertion({ sub: 'someone' }, now),
    ],
    [
      'naming an unknown kid',
      (rp: Awaited<ReturnType<typeof relyingParty>>, now: Date) => rp.assertion({ kid: 'other' }, now),
    ],
  ])('refuses a client assertion %s', async (_, make) => {
    const { world, rp, form } = await withCode();
    const refused = await oauthError(
      exchangeCode(await form({}, await make(rp, world.ports.now())), ISSUER, world.ports),
    );
    expect(refused.error).toBe('invalid_client');
  });

  it('refuses a replayed client assertion (jti)', async () => {
    const { world, rp, form } = await withCode();
    const assertion = await rp.assertion({ jti: 'once' }, world.ports.now());
    await exchangeCode(await form({}, assertion), ISSUER, world.ports);
    const refused = await oauthError(exchangeCode(await form({}, assertion), ISSUER, world.ports));
    expect(refused.error).toBe('invalid_client');
    expect(refused.description).toContain('jti');
  });

  it('refuses the code of another client', async () => {
    const { world, form } = await withCode();
    const other = await relyingParty();
    world.clients.set(other.client.clientId, other.client);
    const refused = await oauthError(
      exchangeCode(await form({}, await other.assertion({}, world.ports.now())), ISSUER, world.ports),
    );
    expect(refused.error).toBe('invalid_grant');
  });

  it('refuses to release for an account that needs re-verification since it approved', async () => {
    const { world, hanako, form } = await withCode();
    world.setStatus(hanako.accountId, 'reverification_required');
    expect((await oauthError(exchangeCode(await form(), ISSUER, world.ports))).error).toBe('invalid_grant');
  });

  it('verifies an assertion by keys at the JWKS URI, fetching again once after a rotation', async () => {
    const world = fakeOidc();
    const rp = await relyingParty({ jwks: undefined, jwksUri: 'https://rp.example.jp/jwks.json' });
    world.clients.set(rp.client.clientId, rp.client);
    const hanako = resident();
    world.addResident(hanako.record);
    const stale = await relyingParty();
    world.jwksAt.set('https://rp.example.jp/jwks.json', [stale.jwk]);
    const started = await start(world, rp);
    const back = await approveAndContinue(world, started, hanako);
    const form = tokenForm(
      back.searchParams.get('code') as string,
      started.verifier,
      await rp.assertion({}, world.ports.now()),
      rp.client.redirectUris[0] as string,
    );
    expect((await oauthError(exchangeCode(form, ISSUER, world.ports))).error).toBe('invalid_client');
    expect(world.counts.jwksFetches).toBe(2);
    world.jwksAt.set('https://rp.example.jp/jwks.json', [rp.jwk]);
    await expect(
      exchangeCode(
        { ...form, client_assertion: await rp.assertion({}, world.ports.now()) },
        ISSUER,
        world.ports,
      ),
    ).resolves.toHaveProperty('id_token');
  });

  it.each(['RS256', 'PS256'] as const)('accepts an %s client assertion', async (alg) => {
    const world = fakeOidc();
    const rp = await relyingParty({}, alg);
    world.clients.set(rp.client.clientId, rp.client);
    const hanako = resident();
    world.addResident(hanako.record);
    const { tokens } = await signIn(world, rp, hanako);
    expect(decodeJwt(tokens.id_token).aud).toBe(rp.client.clientId);
  });
});

describe('sign in with xID: userinfo', () => {
  it('refuses no token, a forged one and a resident access token', async () => {
    const { world, rp, hanako } = await setup();
    const { tokens } = await signIn(world, rp, hanako);
    const [h, p] = tokens.access_token.split('.');
    const forged = `${h}.${p}.${'A'.repeat(86)}`;
    const idTokenAsAccess = tokens.id_token;
    for (const token of [undefined, forged, idTokenAsAccess]) {
      expect((await oauthError(userinfo(token, ISSUER, world.ports))).error).toBe('invalid_token');
    }
  });

  it('stops releasing when the account needs re-verification', async () => {
    const { world, rp, hanako } = await setup();
    const { tokens } = await signIn(world, rp, hanako);
    world.setStatus(hanako.accountId, 'reverification_required');
    expect((await oauthError(userinfo(tokens.access_token, ISSUER, world.ports))).error).toBe(
      'invalid_token',
    );
  });

  it('refuses an expired access token', async () => {
    const { world, rp, hanako } = await setup();
    const { tokens } = await signIn(world, rp, hanako);
    world.advance(600);
    expect((await oauthError(userinfo(tokens.access_token, ISSUER, world.ports))).error).toBe(
      'invalid_token',
    );
  });
});
