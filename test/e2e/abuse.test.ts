import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stageConfig } from '#lib/config/stages';
import { issueCard } from '#test/harness/cards';
import { apiContract } from '#test/harness/contract';
import { registrationRequest } from '#test/harness/phone/phone';
import { codeOf, requestFrom } from './client-address.ts';
import { PIN1, PIN2, startWorld, type World } from './world.ts';

/**
 * The attacks of issue 14, each reproduced against the local runtime: strangers trying to lock a resident
 * out, requests racing for one challenge, and floods of requests that once wrote to the table. Clients
 * other than the resident's phone send from other loopback addresses, as they would come from other
 * addresses in AWS.
 */
let world: World;
const LIMITS = stageConfig('local').api.wafRoutesPer5MinutesPerIp;

beforeAll(async () => {
  world = await startWorld();
}, 180_000);

afterAll(async () => {
  await world?.stop();
});

const statuses = (answers: { status: number }[]) => answers.map((a) => a.status).sort((a, b) => a - b);

describe('strangers cannot lock a resident out', () => {
  it('30 junk proofs in parallel for a stranger’s account, then the resident activates and logs in at once', async () => {
    const phone = await world.registeredPhone();
    const accountId = phone.account?.accountId as string;
    const stranger = await world.registeredPhone();
    const junk = await stranger.activationProofs(PIN1, PIN2, phone.account?.activation.nonce);
    const answers = await Promise.all(
      Array.from({ length: 30 }, () =>
        requestFrom(world.runtime.apiUrl, '127.0.0.30', 'POST', `/v1/accounts/${accountId}/activation`, {
          body: junk,
        }),
      ),
    );
    expect(new Set(answers.map((a) => `${a.status} ${codeOf(a)}`))).toEqual(new Set(['422 proof_invalid']));
    expect((await phone.activate(world.api, PIN1, PIN2)).accountId).toBe(accountId);

    // The same against logins: 30 junk session proofs for the now active account, then a login.
    const logins = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const challenge = await world.api.createSessionChallenge(accountId);
        const proof = await stranger.prove('auth', PIN1, {
          type: 'xid/session/v1',
          accountId,
          nonce: challenge.nonce,
        });
        return requestFrom(world.runtime.apiUrl, '127.0.0.30', 'POST', '/v1/sessions', {
          body: { challengeId: challenge.challengeId, proof },
        });
      }),
    );
    expect(new Set(logins.map((a) => `${a.status} ${codeOf(a)}`))).toEqual(new Set(['422 proof_invalid']));
    expect((await phone.login(world.api, PIN1)).accountId).toBe(accountId);
  });

  it('limits proofs per client address and route (429 beyond the limit), and only that address', async () => {
    const phone = await world.registeredPhone();
    const accountId = phone.account?.accountId as string;
    const junk = { authProof: 'a.b.c', signProof: 'a.b.c' };
    const answers = [];
    for (let i = 0; i < LIMITS.proofs + 1; i++) {
      answers.push(
        await requestFrom(
          world.runtime.apiUrl,
          '127.0.0.31',
          'POST',
          `/v1/accounts/${accountId}/activation`,
          {
            body: junk,
          },
        ),
      );
    }
    expect(answers.slice(0, LIMITS.proofs).every((a) => a.status === 422)).toBe(true);
    const limited = answers.at(-1);
    expect([limited?.status, codeOf(limited as never)]).toEqual([429, 'rate_limited']);
    // As the firewall answers in AWS (application/json: WAF sends no problem+json), and as the contract says.
    expect(limited?.headers['content-type']).toMatch(/^application\/json/);
    expect(
      apiContract().responseViolations({
        method: 'POST',
        path: `/v1/accounts/${accountId}/activation`,
        status: 429,
        contentType: String(limited?.headers['content-type']),
        body: limited?.body,
      }),
    ).toEqual([]);
    // Another route group of the same address, and the resident's own address, are not limited.
    const challenge = await requestFrom(
      world.runtime.apiUrl,
      '127.0.0.31',
      'POST',
      '/v1/sessions/challenges',
      {
        body: { accountId },
      },
    );
    expect(challenge.status).toBe(201);
    expect((await phone.activate(world.api, PIN1, PIN2)).accountId).toBe(accountId);
  });
});

describe('races are answered 409, never 5xx', () => {
  it('20 parallel sendings of one registration: one account, and every answer is its 201 (design.md §3.9)', async () => {
    const card = await issueCard(world.pki, { name: '競争\u3000一郎' });
    const phone = await world.registeredPhone();
    const challenge = await world.api.createRegistrationChallenge();
    const body = registrationRequest(
      await phone.signRegistration(card.reissue(), card.holder.signPin, challenge),
    );
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        requestFrom(world.runtime.apiUrl, `127.0.1.${i + 1}`, 'POST', '/v1/registrations', { body }),
      ),
    );
    // The same body again is the same request (a lost response): it answers the account it made.
    expect(statuses(answers)).toEqual(Array(20).fill(201));
    const accounts = new Set(answers.map((a) => (a.body as { accountId: string }).accountId));
    expect(accounts.size).toBe(1);
    const indexed = (await world.table.snapshot()).filter(
      (item) => item.includes('"pk":"CERT#') && item.includes(`"accountId":"${[...accounts][0]}"`),
    );
    expect(indexed).toHaveLength(1);
  });

  it('20 parallel activations with the same proofs: exactly one 200, the rest 409', async () => {
    const phone = await world.registeredPhone();
    const accountId = phone.account?.accountId as string;
    const proofs = await phone.activationProofs(PIN1, PIN2);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        requestFrom(
          world.runtime.apiUrl,
          `127.0.2.${i + 1}`,
          'POST',
          `/v1/accounts/${accountId}/activation`,
          {
            body: proofs,
          },
        ),
      ),
    );
    expect(statuses(answers)).toEqual([200, ...Array(19).fill(409)]);
  });

  it('20 parallel logins with one challenge and proof: exactly one 200, the rest 409 challenge_invalid', async () => {
    const phone = await world.activePhone();
    const accountId = phone.account?.accountId as string;
    const challenge = await world.api.createSessionChallenge(accountId);
    const proof = await phone.prove('auth', PIN1, {
      type: 'xid/session/v1',
      accountId,
      nonce: challenge.nonce,
    });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        requestFrom(world.runtime.apiUrl, `127.0.3.${i + 1}`, 'POST', '/v1/sessions', {
          body: { challengeId: challenge.challengeId, proof },
        }),
      ),
    );
    expect(statuses(answers)).toEqual([200, ...Array(19).fill(409)]);
    expect(new Set(answers.filter((a) => a.status === 409).map(codeOf))).toEqual(
      new Set(['challenge_invalid']),
    );
  });
});

describe('nothing is written for free', () => {
  it('200 challenge requests leave the table exactly as it was', async () => {
    const active = await world.activePhone();
    const before = await world.table.snapshot();
    const accounts = [active.account?.accountId as string, '00000000-0000-4000-8000-00000000dead'];
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        i % 2 === 0
          ? requestFrom(
              world.runtime.apiUrl,
              `127.0.4.${(i % 50) + 1}`,
              'POST',
              '/v1/registration/challenges',
              {
                body: {},
              },
            )
          : requestFrom(world.runtime.apiUrl, `127.0.4.${(i % 50) + 1}`, 'POST', '/v1/sessions/challenges', {
              body: { accountId: accounts[i % 4 === 1 ? 0 : 1] },
            }),
      ),
    );
    expect(new Set(statuses(answers))).toEqual(new Set([201]));
    expect(await world.table.snapshot()).toEqual(before);
    // Whether the account exists or not, the answer has the same shape.
    const shapes = new Set(
      answers
        .filter((a) => !('terms' in (a.body as object)))
        .map((a) =>
          Object.keys(a.body as object)
            .sort()
            .join(),
        ),
    );
    expect(shapes).toEqual(new Set(['challengeId,expiresAt,nonce']));
  });
});

describe('the local runtime answers only its own', () => {
  const forged = {
    Type: 'Notification',
    MessageId: 'forged-1',
    TopicArn: 'arn:aws:sns:ap-northeast-1:123456789012:xid-local-ingest-131091',
    Message: JSON.stringify({ schema: 'xid/notice/v1', title: '偽のお知らせ' }),
    Timestamp: new Date().toISOString(),
  };

  it('refuses a forged SNS delivery: without the secret path, without SNS’s headers, or not JSON', async () => {
    const before = await world.table.snapshot();
    const deadBefore = (await world.api.request<unknown[]>('GET', '/_local/dead-letters')).length;
    const { snsIngestUrl } = world.runtime.record;
    const answers = [
      await requestFrom(world.runtime.apiUrl, '127.0.0.1', 'POST', '/_local/sns/ingest', {
        body: forged,
        headers: { 'x-amz-sns-message-type': 'Notification' },
      }),
      await requestFrom(world.runtime.apiUrl, '127.0.0.1', 'POST', new URL(snsIngestUrl).pathname, {
        body: JSON.stringify(forged),
        headers: { 'content-type': 'text/plain' },
      }),
      await requestFrom(world.runtime.apiUrl, '127.0.0.1', 'POST', new URL(snsIngestUrl).pathname, {
        body: 'Type=Notification',
        headers: { 'content-type': 'text/plain', 'x-amz-sns-message-type': 'Notification' },
      }),
    ];
    expect(answers.map((a) => [a.status, codeOf(a)])).toEqual([
      [404, 'not_found'],
      [403, 'forbidden'],
      [400, 'malformed_json'],
    ]);
    expect(await world.table.snapshot()).toEqual(before);
    expect(await world.api.request<unknown[]>('GET', '/_local/dead-letters')).toHaveLength(deadBefore);
  });

  it('refuses a cross-site text/plain POST from a web page, as a browser sends it', async () => {
    const answer = await requestFrom(
      world.runtime.apiUrl,
      '127.0.0.1',
      'POST',
      new URL(world.runtime.record.snsIngestUrl).pathname,
      {
        body: JSON.stringify(forged),
        headers: {
          'content-type': 'text/plain;charset=UTF-8',
          origin: 'https://evil.example',
          'sec-fetch-site': 'cross-site',
          'sec-fetch-mode': 'no-cors',
        },
      },
    );
    expect([answer.status, codeOf(answer)]).toEqual([403, 'forbidden']);
  });

  it('answers no request addressed to another name (DNS rebinding): API, local routes and mailbox', async () => {
    const rebound = { headers: { host: 'evil.example' } };
    const api = await requestFrom(world.runtime.apiUrl, '127.0.0.1', 'GET', '/v1/health', rebound);
    const pushes = await requestFrom(
      world.runtime.apiUrl,
      '127.0.0.1',
      'GET',
      '/_local/dead-letters',
      rebound,
    );
    const mailbox = await requestFrom(world.runtime.record.mailboxUrl, '127.0.0.1', 'GET', '/store', rebound);
    expect([api.status, codeOf(api), pushes.status, mailbox.status]).toEqual([403, 'forbidden', 403, 403]);
    expect(mailbox.text).not.toContain('emails');
    // The same requests addressed to a loopback name are answered.
    const local = { headers: { host: 'localhost' } };
    expect((await requestFrom(world.runtime.apiUrl, '127.0.0.1', 'GET', '/v1/health', local)).status).toBe(
      200,
    );
    expect(
      (await requestFrom(world.runtime.record.mailboxUrl, '127.0.0.1', 'GET', '/store', local)).status,
    ).toBe(200);
  });
});
