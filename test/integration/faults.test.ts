import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FaultRule } from '#lib/local/fault-proxy';
import { issueCard } from '#test/harness/cards';
import { latestLink, mailsTo } from '#test/harness/phone/mailbox';
import { registrationRequest, VirtualPhone } from '#test/harness/phone/phone';
import { PIN1, PIN2, startWorld, TEST_KDF, type World } from '../e2e/world.ts';

/**
 * Dependency failures through the local runtime's fault-injection seam (lib/local/fault-proxy.ts): KMS,
 * DynamoDB, SNS and SES refusing, failing, throttling or hanging. Each answer is a 503 the app can retry
 * (`Retry-After`), nothing is written, and everything works again once the fault is lifted, without a
 * restart.
 */
let world: World;

async function faults(rules: FaultRule[]): Promise<void> {
  const response = await fetch(`${world.runtime.apiUrl}/_local/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(rules),
  });
  expect(response.status).toBe(200);
}

async function lift(): Promise<void> {
  await fetch(`${world.runtime.apiUrl}/_local/faults`, { method: 'DELETE' });
}

/**
 * Status, code and Retry-After of a raw call, and whether the table changed meanwhile (but for the items
 * `counted` says are meant to change even on a failure).
 */
async function attempt(
  method: string,
  path: string,
  body?: unknown,
  token?: string,
  counted: (item: string) => boolean = () => false,
) {
  const snapshot = async () => (await world.table.snapshot()).filter((item) => !counted(item));
  const before = await snapshot();
  const response = await fetch(`${world.runtime.apiUrl}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const problem = (await response.json().catch(() => ({}))) as { code?: string };
  return {
    status: response.status,
    code: problem.code,
    retryAfter: response.headers.get('retry-after'),
    unchanged: JSON.stringify(await snapshot()) === JSON.stringify(before),
  };
}

beforeAll(async () => {
  world = await startWorld();
}, 180_000);

afterEach(async () => {
  await lift();
});

afterAll(async () => {
  await world?.stop();
});

describe('dependency failures are 503s the app can retry', () => {
  it.each([
    ['refuses', 'refuse'],
    ['fails', 'server-error'],
    ['throttles', 'throttle'],
  ] as const)('DynamoDB %s: GET /v1/me answers 503 with Retry-After, then works again', async (_, fault) => {
    const phone = await world.activePhone();
    await faults([{ service: 'dynamodb', action: 'GetItem', fault }]);
    const failed = await attempt('GET', '/v1/me', undefined, phone.accessToken);
    expect(failed).toMatchObject({
      status: 503,
      code: 'service_unavailable',
      retryAfter: '2',
      unchanged: true,
    });
    await lift();
    expect((await attempt('GET', '/v1/me', undefined, phone.accessToken)).status).toBe(200);
  });

  it('DynamoDB hangs: registration answers 503 within the function budget, writing nothing', async () => {
    const card = await issueCard(world.pki, {});
    const phone = new VirtualPhone();
    await phone.setPins(PIN1, PIN2, { kdf: TEST_KDF });
    const challenge = await world.api.createRegistrationChallenge();
    const signed = await phone.signRegistration(card.reissue(), card.holder.signPin, challenge);
    await faults([{ service: 'dynamodb', action: 'TransactWriteItems', fault: 'hang' }]);
    const started = Date.now();
    const failed = await attempt('POST', '/v1/registrations', registrationRequest(signed));
    expect(Date.now() - started).toBeLessThan(9000);
    expect(failed).toMatchObject({ status: 503, code: 'service_unavailable', unchanged: true });
    await lift();
    const again = await world.api.createRegistrationChallenge();
    const retried = await phone.signRegistration(card.reissue(), card.holder.signPin, again);
    expect((await world.api.register(registrationRequest(retried))).status).toBe('pending_activation');
  });

  // Activation calls KMS only in a new container (one Decrypt of the token-signing key; tokens are signed
  // in memory, issue 18): its own write is what can fail under it.
  it('DynamoDB fails while activating: 503, the account stays pending, and the same proofs activate it after', async () => {
    const phone = await world.registeredPhone();
    const accountId = phone.account?.accountId as string;
    const proofs = await phone.activationProofs(PIN1, PIN2);
    await faults([{ service: 'dynamodb', action: 'TransactWriteItems', fault: 'server-error' }]);
    const failed = await attempt('POST', `/v1/accounts/${accountId}/activation`, proofs);
    expect(failed).toMatchObject({ status: 503, code: 'service_unavailable', unchanged: true });
    await lift();
    expect((await world.api.activate(accountId, proofs)).accessToken).toBeDefined();
  });

  it('KMS throttles the data key at registration: 503 and nothing written', async () => {
    const card = await issueCard(world.pki, {});
    const phone = new VirtualPhone();
    await phone.setPins(PIN1, PIN2, { kdf: TEST_KDF });
    const challenge = await world.api.createRegistrationChallenge();
    const signed = await phone.signRegistration(card.reissue(), card.holder.signPin, challenge);
    await faults([{ service: 'kms', action: 'GenerateDataKey', fault: 'throttle' }]);
    expect(await attempt('POST', '/v1/registrations', registrationRequest(signed))).toMatchObject({
      status: 503,
      code: 'service_unavailable',
      unchanged: true,
    });
  });

  it('SNS fails: PUT /v1/me/push answers 503 and records no device', async () => {
    const phone = await world.activePhone();
    await faults([{ service: 'sns', fault: 'server-error' }]);
    const failed = await attempt(
      'PUT',
      '/v1/me/push',
      { platform: 'APNS_SANDBOX', token: randomBytes(32).toString('hex') },
      phone.accessToken,
    );
    expect(failed).toMatchObject({ status: 503, code: 'service_unavailable', unchanged: true });
  });

  it('SES answers with an error: PUT /v1/me/email answers 503 mail_unavailable and stores nothing but the sending limits', async () => {
    const phone = await world.activePhone();
    // SES answered, so nothing was sent (a refused or reset connection may have sent it: see below).
    await faults([{ service: 'ses', fault: 'server-error' }]);
    // The sending limits count the attempt (a send that failed may still have gone out); nothing else changes.
    const failed = await attempt(
      'PUT',
      '/v1/me/email',
      { email: 'hanako@example.jp' },
      phone.accessToken,
      (item) => item.includes('"QUOTA#mail-'),
    );
    expect(failed).toMatchObject({ status: 503, code: 'mail_unavailable', retryAfter: '2', unchanged: true });
    await lift();
    expect((await world.api.setEmail(phone.accessToken as string, 'hanako@example.jp')).verified).toBe(false);
  });
});

describe('an answer lost after the write', () => {
  it('SES sends but its answer is lost: 503, the link kept, the same request again sends no second mail, and the one link confirms', async () => {
    const phone = await world.activePhone();
    const token = phone.accessToken as string;
    const address = `lost.${randomBytes(4).toString('hex')}@example.jp`;
    await faults([{ service: 'ses', fault: 'drop-response' }]);
    const failed = await attempt('PUT', '/v1/me/email', { email: address }, token);
    expect(failed).toMatchObject({ status: 503, code: 'mail_unavailable' });
    await lift();
    expect((await world.api.setEmail(token, address)).verified).toBe(false);
    const mails = await mailsTo(world.runtime.record.mailboxUrl, address);
    expect(mails).toHaveLength(1);
    const confirmed = await fetch(await latestLink(world.runtime.record.mailboxUrl, address));
    expect(confirmed.status).toBe(200);
    expect((await world.api.me(token)).email).toMatchObject({ address, verified: true });
  });

  it('DynamoDB commits a registration but its answer is lost: the same body again answers the same 201, one account', async () => {
    const card = await issueCard(world.pki, {});
    const phone = new VirtualPhone();
    await phone.setPins(PIN1, PIN2, { kdf: TEST_KDF });
    const challenge = await world.api.createRegistrationChallenge();
    const signed = registrationRequest(
      await phone.signRegistration(card.reissue(), card.holder.signPin, challenge),
    );
    await faults([{ service: 'dynamodb', action: 'TransactWriteItems', fault: 'drop-response' }]);
    const first = await attempt('POST', '/v1/registrations', signed);
    await lift();
    const again = await world.api.register(signed);
    expect(again.status).toBe('pending_activation');
    // Whatever the first attempt answered (the SDK may have tried again and met its own commit), there is
    // one account for the card, and the retry names it.
    expect([201, 503]).toContain(first.status);
    const indexed = (await world.table.snapshot()).filter(
      (item) => item.includes('"pk":"CERT#') && item.includes(`"accountId":"${again.accountId}"`),
    );
    expect(indexed).toHaveLength(1);
    expect(await world.api.register(signed)).toEqual(again);
  });
});

describe('the seam itself', () => {
  it('lists its rules with their hits, refuses malformed rules, and applies a rule only `times` times', async () => {
    const phone = await world.activePhone();
    // Two attempts per call (the clients' budget): a rule for one call must cover both.
    await faults([{ service: 'dynamodb', action: 'GetItem', fault: 'server-error', times: 2 }]);
    expect((await attempt('GET', '/v1/me', undefined, phone.accessToken)).status).toBe(503);
    expect((await attempt('GET', '/v1/me', undefined, phone.accessToken)).status).toBe(200);
    const listing = (await (await fetch(`${world.runtime.apiUrl}/_local/faults`)).json()) as {
      rules: { hits: number; remaining: number }[];
    };
    expect(listing.rules).toEqual([expect.objectContaining({ hits: 2, remaining: 0 })]);
    const bad = await fetch(`${world.runtime.apiUrl}/_local/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ service: 'dynamodb', fault: 'explode' }]),
    });
    expect(bad.status).toBe(400);
  });
});
