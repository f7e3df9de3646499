import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stepUpChallengeResponse } from '#functions/step-up/schemas';
import { runCommand } from '#lib/local/commands';
import type { LocalPki } from '#lib/local/pki';
import { type IssuedCard, issueCard, issueSuccessorCard } from '#test/harness/cards';
import { ApiError, type ReverificationRequest } from '#test/harness/phone/api';
import type { VirtualPhone } from '#test/harness/phone/phone';
import { addLinks, linkOf } from '#test/harness/pki/linkage';
import type { Person } from '#test/harness/pki/person';
import { PIN1, PIN2, startWorld, type World } from './world.ts';

/**
 * Re-verification end to end (design.md §3.6, §3.8): residents registered with one card read the card the
 * municipality re-issued after a move or a marriage, through the virtual phone; the account, the
 * certificate index, the sealed items and the notice subscription follow. Every refusal is checked for its
 * code and for leaving the table as it was.
 */
const SHINAGAWA = '東京都品川区広町2-1-10';
const TSURUMI = '神奈川県横浜市鶴見区鶴見中央3-20-1';
const OSAKA = '大阪府大阪市北区中之島1-3-20';

let world: World;
let pki: LocalPki;
/** A resident whose new card's certificate is on the CRL from the start. */
let revokedCase: { card: IssuedCard; successor: IssuedCard };

interface Resident {
  phone: VirtualPhone;
  card: IssuedCard;
  token: string;
  device?: string;
}

function cli(...args: string[]): Promise<string> {
  return runCommand('bin/municipality.ts', args, { ...process.env, XID_LOCAL_DIR: world.runtime.stateDir });
}

/** Registered and activated with a fresh card for `who` (or the one given), optionally with notices on. */
async function resident(who: Partial<Person>, options: { notices?: boolean; card?: IssuedCard } = {}) {
  const card = options.card ?? (await issueCard(pki, who));
  const phone = await world.registeredPhone(who, card);
  const { accessToken: token } = await phone.activate(world.api, PIN1, PIN2);
  const result: Resident = { phone, card, token };
  if (options.notices) {
    result.device = randomBytes(32).toString('hex');
    await world.api.registerPush(token, 'APNS_SANDBOX', result.device);
    const terms = await world.api.getTerms();
    await world.api.subscribeNotices(token, {
      termsVersion: terms.terms.version,
      privacyPolicyVersion: terms.privacyPolicy.version,
    });
  }
  return result;
}

/** The resident's card after a move or a marriage; with `linked`, the platform operator links it too. */
async function successorOf(person: Resident, changes: Partial<Person>, linked = false) {
  const successor = await issueSuccessorCard(pki, person.card, changes);
  if (linked) {
    addLinks(pki.linkageFile, [
      linkOf(pki.signCa, person.card.signature?.serial as string, successor.signature.serial),
    ]);
  }
  return successor;
}

const signedRequest = (person: Resident, card: IssuedCard) =>
  person.phone.signReverification(world.api, card.reissue(), card.holder.signPin, PIN2);

/** Sends a request, expects a problem with `code`, and that the table is unchanged. */
async function refused(code: string, send: () => Promise<unknown>): Promise<void> {
  const before = await world.table.snapshot();
  const error = await send().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  expect((error as ApiError).code).toBe(code);
  expect(await world.table.snapshot()).toEqual(before);
}

/** The items of the table that mention `text`, as canonical JSON. */
const itemsWith = async (text: string) =>
  (await world.table.snapshot()).filter((item) => item.includes(text));

const certificateItem = async (serial: string) =>
  (await world.table.snapshot()).filter((item) => /"pk":"CERT#/.test(item) && item.includes(`#${serial}"`));

beforeAll(async () => {
  world = await startWorld(async (localPki) => {
    pki = localPki;
    // A resident whose re-issued card is revoked already: its serial is on the CRL the runtime first reads.
    const card = await issueCard(pki, { name: '失効\u3000次郎' });
    const successor = await issueSuccessorCard(pki, card, { address: TSURUMI });
    revokedCase = { card, successor };
    await pki.publishCrl(successor.holder.locality, [{ serial: successor.signature.serial }]);
    return undefined;
  });
  await cli('onboard', '131091', '--publisher', 'arn:aws:iam::210987654321:role/shinagawa-notices');
  await cli('onboard', '141003', '--publisher', 'arn:aws:iam::210987654321:role/yokohama-notices');
}, 180_000);

afterAll(async () => {
  await world?.stop();
});

describe('POST /v1/me/challenges', () => {
  it('gives an activated resident a challenge for a sign proof, and nobody else', async () => {
    const { token } = await resident({});
    const challenge = await world.api.createStepUpChallenge(token);
    expect(stepUpChallengeResponse.parse(challenge)).toEqual(challenge);
    const expires = new Date(challenge.expiresAt).getTime() - Date.now();
    expect(expires).toBeGreaterThan(4 * 60_000);
    expect(expires).toBeLessThanOrEqual(5 * 60_000);
    await expect(world.api.request('POST', '/v1/me/challenges', {})).rejects.toMatchObject({
      status: 401,
      code: 'unauthorized',
    });
  });
});

describe('re-verification after a move', () => {
  it('moves 公的 花子 from 品川区 to 横浜市鶴見区 by the linkage, with her notices', async () => {
    const hanako = await resident({ address: SHINAGAWA }, { notices: true });
    const oldSerial = hanako.card.signature?.serial as string;
    const before = (await itemsWith(`ACCOUNT#${hanako.phone.account?.accountId}`)).find((i) =>
      i.includes('PROFILE'),
    );
    // Moved and married at once: neither the name nor the address is the same; only the linkage ties them.
    const successor = await successorOf(hanako, { name: '横浜\u3000花子', address: TSURUMI }, true);

    const result = await hanako.phone.reverify(
      world.api,
      successor.reissue(),
      successor.holder.signPin,
      PIN2,
    );
    expect(result).toEqual({
      accountId: hanako.phone.account?.accountId,
      status: 'active',
      municipality: { code: '141003', name: '横浜市' },
      previousMunicipality: { code: '131091', name: '品川区' },
      noticeSubscription: 'moved',
    });

    expect(await world.api.me(hanako.token)).toMatchObject({
      status: 'active',
      name: '横浜\u3000花子',
      address: TSURUMI,
      dateOfBirth: '1966-11-10',
      municipality: { code: '141003', name: '横浜市' },
    });
    expect(await world.api.municipality(hanako.token)).toMatchObject({
      code: '141003',
      ward: { code: '141011', name: '鶴見区' },
      notices: true,
      subscribed: true,
    });

    // The sealed items were rewritten under the same data key; the new items exist only as ciphertext.
    const profile = (await itemsWith(`ACCOUNT#${hanako.phone.account?.accountId}`)).find((i) =>
      i.includes('PROFILE'),
    );
    const wrapped = (item?: string) => JSON.parse(item ?? '{}').wrappedDataKey;
    expect(wrapped(profile)).toBe(wrapped(before));
    expect(await itemsWith(TSURUMI)).toEqual([]);
    expect(await itemsWith('鶴見中央')).toEqual([]);
    expect(await itemsWith('1966-11-10')).toEqual([]);

    // The index moved: the new certificate is the account's, the old one is kept, superseded.
    const [fresh] = await certificateItem(successor.signature.serial);
    expect(JSON.parse(fresh ?? '{}')).toMatchObject({
      accountId: hanako.phone.account?.accountId,
      replaces: oldSerial,
    });
    const [old] = await certificateItem(oldSerial);
    expect(JSON.parse(old ?? '{}')).toMatchObject({ supersededBy: successor.signature.serial });

    // Notices: 品川区's no longer reach her phone, 横浜市's do, once; the inbox is 横浜市's.
    const fromShinagawa = randomUUID();
    await cli(
      'publish',
      '131091',
      '--title',
      '品川区からのお知らせ',
      '--body',
      '本文',
      '--id',
      fromShinagawa,
    );
    const fromYokohama = randomUUID();
    await cli('publish', '141003', '--title', '横浜市からのお知らせ', '--body', '本文', '--id', fromYokohama);
    const pushed = (await world.api.localPushes(hanako.device as string)).map(
      (p) => JSON.parse(p.payload.APNS).noticeId,
    );
    expect(pushed).toEqual([fromYokohama]);
    const inbox = await world.api.notices(hanako.token);
    expect(inbox.items.map((n) => n.noticeId)).toContain(fromYokohama);
    expect(inbox.items.map((n) => n.noticeId)).not.toContain(fromShinagawa);

    // Her activity log records the move, in the same transaction, and its chain still verifies.
    const log = await hanako.phone.activityLog(world.api);
    expect(log.verified).toBe(true);
    expect(log.entries.filter((entry) => entry.type === 'reverified')).toEqual([
      expect.objectContaining({ detail: { municipality: '141003' } }),
    ]);

    // Leaving removes the index entries of both certificates: the superseded one names the account too.
    await hanako.phone.leave(world.api, PIN2);
    expect(await certificateItem(successor.signature.serial)).toEqual([]);
    expect(await certificateItem(oldSerial)).toEqual([]);
  });

  it('moves a resident without a link under the item-match rule (same name and date of birth)', async () => {
    const taro = await resident({ name: '転居\u3000太郎', address: SHINAGAWA });
    const successor = await successorOf(taro, { address: TSURUMI });
    expect(
      await taro.phone.reverify(world.api, successor.reissue(), successor.holder.signPin, PIN2),
    ).toMatchObject({
      municipality: { code: '141003', name: '横浜市' },
      previousMunicipality: { code: '131091', name: '品川区' },
      noticeSubscription: 'none',
    });
    expect(await world.api.me(taro.token)).toMatchObject({ name: '転居\u3000太郎', address: TSURUMI });
  });

  it('re-verifies a marriage without a link (new name, same address), keeping the subscription', async () => {
    const hanako = await resident({ name: '公的\u3000花子', address: SHINAGAWA }, { notices: true });
    const successor = await successorOf(hanako, { name: '山田\u3000花子' });
    expect(
      await hanako.phone.reverify(world.api, successor.reissue(), successor.holder.signPin, PIN2),
    ).toEqual({
      accountId: hanako.phone.account?.accountId,
      status: 'active',
      municipality: { code: '131091', name: '品川区' },
      previousMunicipality: null,
      noticeSubscription: 'unchanged',
    });
    expect(await world.api.me(hanako.token)).toMatchObject({ name: '山田\u3000花子', address: SHINAGAWA });
    const notice = randomUUID();
    await cli('publish', '131091', '--title', '品川区からのお知らせ', '--body', '本文', '--id', notice);
    const pushed = (await world.api.localPushes(hanako.device as string)).map(
      (p) => JSON.parse(p.payload.APNS).noticeId,
    );
    expect(pushed).toEqual([notice]);
  });

  it('ends the subscription when the new municipality does not publish through xID', async () => {
    const saburo = await resident({ name: '大阪\u3000三郎', address: SHINAGAWA }, { notices: true });
    const successor = await successorOf(saburo, { address: OSAKA });
    expect(
      await saburo.phone.reverify(world.api, successor.reissue(), successor.holder.signPin, PIN2),
    ).toMatchObject({
      municipality: { code: '271004', name: '大阪市' },
      noticeSubscription: 'ended',
    });
    expect(await world.api.municipality(saburo.token)).toMatchObject({ notices: false, subscribed: false });
    expect(await itemsWith(`"pk":"ACCOUNT#${saburo.phone.account?.accountId}","sk":"SUBSCRIPTION`)).toEqual(
      [],
    );
  });
});

describe('re-verification refusals', () => {
  it('refuses someone else’s card (identity_mismatch), writing nothing', async () => {
    const hanako = await resident({ address: SHINAGAWA });
    const stranger = await issueCard(pki, {
      name: '別人\u3000一郎',
      dateOfBirth: '1980-01-01',
      address: TSURUMI,
    });
    const request = await signedRequest(hanako, stranger);
    await refused('identity_mismatch', () => world.api.reverify(hanako.token, request));
  });

  it('refuses the account’s current certificate again (409 certificate_unchanged)', async () => {
    const hanako = await resident({ address: SHINAGAWA });
    const request = await signedRequest(hanako, hanako.card);
    await refused('certificate_unchanged', () => world.api.reverify(hanako.token, request));
  });

  it('refuses another account’s certificate (409 already_registered)', async () => {
    const hanako = await resident({ address: SHINAGAWA });
    const other = await resident({ name: '公的\u3000花子', address: TSURUMI });
    const request = await signedRequest(hanako, other.card);
    await refused('already_registered', () => world.api.reverify(hanako.token, request));
  });

  it('refuses a revoked new certificate (422 certificate_revoked)', async () => {
    const jiro = await resident({}, { card: revokedCase.card });
    const request = await signedRequest(jiro, revokedCase.successor);
    await refused('certificate_revoked', () => world.api.reverify(jiro.token, request));
  });

  it('refuses a proof by the wrong key, a used challenge, and a superseded certificate', async () => {
    const hanako = await resident({ name: '再確認\u3000花子', address: SHINAGAWA });
    const successor = await successorOf(hanako, { address: TSURUMI });
    const request = await signedRequest(hanako, successor);
    const authProof = await hanako.phone.prove('auth', PIN1, request.statement);
    await refused('proof_invalid', () =>
      world.api.reverify(hanako.token, { ...request, signProof: authProof }),
    );
    await world.api.reverify(hanako.token, request);
    await refused('challenge_invalid', () => world.api.reverify(hanako.token, request));
    // The old certificate can neither re-verify again nor register again.
    const again = await signedRequest(hanako, hanako.card);
    await refused('already_registered', () => world.api.reverify(hanako.token, again));
    await expect(world.registeredPhone({}, hanako.card)).rejects.toMatchObject({
      status: 409,
      code: 'already_registered',
    });
  });
});

describe('two re-verifications of one account at once', () => {
  /** Sends both at once: one must answer 200, the other 409, and the account must hold the winner's certificate. */
  async function race(person: Resident, requests: [ReverificationRequest, ReverificationRequest]) {
    const results = await Promise.allSettled(requests.map((r) => world.api.reverify(person.token, r)));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const [refusal] = lost.map((r) => r.reason as ApiError);
    expect(refusal).toBeInstanceOf(ApiError);
    expect(refusal?.status).toBe(409);
    return results.findIndex((r) => r.status === 'fulfilled');
  }

  it('lets the same request through once', async () => {
    const hanako = await resident({ name: '同時\u3000花子', address: SHINAGAWA });
    const successor = await successorOf(hanako, { address: TSURUMI });
    const request = await signedRequest(hanako, successor);
    await race(hanako, [request, request]);
    expect(await certificateItem(successor.signature.serial)).toHaveLength(1);
  });

  it('lets one of two requests with the same new card through (two challenges)', async () => {
    const hanako = await resident({ name: '同時\u3000花子', address: SHINAGAWA });
    const successor = await successorOf(hanako, { address: TSURUMI });
    const requests: [ReverificationRequest, ReverificationRequest] = [
      await signedRequest(hanako, successor),
      await signedRequest(hanako, successor),
    ];
    const winner = await race(hanako, requests);
    expect(await certificateItem(successor.signature.serial)).toHaveLength(1);
    const challenges = (await world.table.snapshot()).filter((i) => i.includes('"pk":"STEPUP#'));
    expect(challenges.some((i) => i.includes(requests[winner]?.statement.challengeId as string))).toBe(false);
    expect(challenges.some((i) => i.includes(requests[1 - winner]?.statement.challengeId as string))).toBe(
      true,
    );
  });

  it('commits one of two transactions for different new cards, and nothing of the other', async () => {
    // Over HTTP, two different cards one after the other are two legitimate re-verifications; the race
    // itself is the transaction's, so it is run here on the functions' own store, against the same table.
    const hanako = await resident({ name: '同時\u3000花子', address: SHINAGAWA });
    const accountId = hanako.phone.account?.accountId as string;
    const claims = await Promise.all(
      [1, 2].map(async () => {
        const { challengeId, nonce } = await world.api.createStepUpChallenge(hanako.token);
        return { challengeId, nonce };
      }),
    );
    Object.assign(process.env, world.runtime.record.environment);
    const { reverifyStore } = await import('#functions/adapters/reverify-store');
    const { accountStore } = await import('#functions/adapters/account-store');
    const { ProblemError } = await import('#functions/shared/problems');
    const store = reverifyStore(world.runtime.record.environment.XID_TABLE_NAME as string);
    const account = await accountStore(world.runtime.record.environment.XID_TABLE_NAME as string).account(
      accountId,
    );
    if (!account) throw new Error('no account');
    const change = (serial: string, index: number) => ({
      accountId,
      at: new Date(),
      challenge: claims[index] as { challengeId: string; nonce: string },
      previous: { certificate: account.certificate, status: account.status },
      certificate: { ...account.certificate, serial, sha256: serial.padEnd(64, '0') },
      name: account.name,
      sealed: account.sealed,
      municipality: account.municipality,
    });
    const results = await Promise.allSettled([
      store.commitReverification(change('7e01', 0)),
      store.commitReverification(change('7e02', 1)),
    ]);
    const won = results.findIndex((r) => r.status === 'fulfilled');
    const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toBeGreaterThanOrEqual(0);
    const refusal = lost?.reason as InstanceType<typeof ProblemError> | undefined;
    expect(refusal).toBeInstanceOf(ProblemError);
    expect(refusal?.code).toBe('conflict');
    const [winner, loser] = won === 0 ? ['7e01', '7e02'] : ['7e02', '7e01'];
    expect(await certificateItem(winner)).toHaveLength(1);
    expect(await certificateItem(loser)).toEqual([]);
    const [old] = await certificateItem(hanako.card.signature?.serial as string);
    expect(JSON.parse(old ?? '{}').supersededBy).toBe(winner);
    const challenges = (await world.table.snapshot()).filter((i) => i.includes('"pk":"STEPUP#'));
    expect(challenges.some((i) => i.includes(claims[won]?.challengeId as string))).toBe(false);
    expect(challenges.some((i) => i.includes(claims[1 - won]?.challengeId as string))).toBe(true);
  });
});

describe('the account’s data key', () => {
  it('opens the old items and seals the new ones with one KMS call at most', async () => {
    const hanako = await resident({ name: '鍵\u3000花子', address: SHINAGAWA });
    const accountId = hanako.phone.account?.accountId as string;
    Object.assign(process.env, world.runtime.record.environment);
    const { countInto } = await import('#functions/shared/aws-calls');
    const { envelope } = await import('#functions/adapters/envelope');
    const { accountStore } = await import('#functions/adapters/account-store');
    const env = world.runtime.record.environment;
    const account = await accountStore(env.XID_TABLE_NAME as string).account(accountId);
    if (!account) throw new Error('no account');
    const tally: Record<string, number> = {};
    const kmsCalls = () =>
      Object.entries(tally).reduce((n, [name, c]) => n + (name.startsWith('KMS:') ? c : 0), 0);
    const sealing = envelope(env.XID_DATA_KEY_ID as string);
    const { dateOfBirth, address } = account.sealed;
    const { opened, sealed } = await countInto(tally, () =>
      sealing.resealFields(
        accountId,
        account.wrappedDataKey,
        { dateOfBirth: dateOfBirth as never, address: address as never },
        { address: TSURUMI, dateOfBirth: '1966-11-10', gender: 'female' },
      ),
    );
    expect(opened).toEqual({ dateOfBirth: '1966-11-10', address: SHINAGAWA });
    expect(kmsCalls()).toBe(1);
    expect(JSON.stringify(sealed)).not.toContain('鶴見');
    // The new items open under the same wrapped key, from the warm cache: no further KMS call.
    expect(
      await countInto(tally, () => sealing.openFields(accountId, account.wrappedDataKey, sealed)),
    ).toEqual({
      address: TSURUMI,
      dateOfBirth: '1966-11-10',
      gender: 'female',
    });
    expect(kmsCalls()).toBe(1);
  });
});
