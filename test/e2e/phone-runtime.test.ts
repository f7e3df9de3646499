import * as http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkResponse } from '#test/harness/contract';
import { latestLink } from '#test/harness/phone/mailbox';
import { registrationRequest, VirtualPhone } from '#test/harness/phone/phone';
import { registrationStatement } from '#test/harness/phone/statement';
import { LocalCardTransport } from '#test/harness/phone/transport';
import { PIN1, PIN2, startWorld, TEST_KDF, type World } from './world.ts';

/**
 * The local runtime as a phone meets it (issue 17): links built from the address the phone used, only
 * this machine's names answered, the contract served at GET /v1/openapi.json, and `/_local/cards` for an
 * app in a simulator that has no NFC.
 */
let world: World;
let port: string;

beforeAll(async () => {
  world = await startWorld();
  port = new URL(world.runtime.apiUrl).port;
}, 180_000);

afterAll(async () => {
  await world?.stop();
});

/**
 * A request with the `Host` a phone would send (fetch does not let a caller choose it), its answer
 * checked against the contract like every other.
 */
async function asHost(
  host: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const answer = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }>(
    (resolve, reject) => {
      const request = http.request(
        `${world.runtime.apiUrl}${path}`,
        {
          method,
          headers: {
            host,
            ...(payload ? { 'content-type': 'application/json' } : {}),
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk) => {
            text += chunk;
          });
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, text }),
          );
        },
      );
      request.on('error', reject);
      request.end(payload);
    },
  );
  const response = new Response(answer.status === 204 ? null : answer.text, {
    status: answer.status,
    headers: { 'content-type': String(answer.headers['content-type'] ?? '') },
  });
  await checkResponse(method, `${world.runtime.apiUrl}${path}`, response);
  return {
    status: answer.status,
    body: answer.text ? (JSON.parse(answer.text) as Record<string, unknown>) : {},
  };
}

describe('links name the address the phone used', () => {
  it.each([
    ['the Android emulator', '10.0.2.2'],
    ['a loopback name', 'localhost'],
  ])('gives %s terms links to its own address', async (_, name) => {
    const host = `${name}:${port}`;
    const { status, body } = await asHost(host, 'GET', '/v1/terms');
    expect(status).toBe(200);
    expect((body.terms as { url: string }).url).toBe(`http://${host}/v1/terms/terms-of-use`);
  });

  it('puts that address in the confirmation mail', async () => {
    const phone = await world.activePhone();
    const email = `emulator.${Date.now()}@example.jp`;
    const host = `10.0.2.2:${port}`;
    const { status } = await asHost(host, 'PUT', '/v1/me/email', {
      body: { email },
      token: phone.accessToken as string,
    });
    expect(status).toBe(202);
    expect(await latestLink(world.runtime.record.mailboxUrl, email)).toMatch(
      new RegExp(`^http://10\\.0\\.2\\.2:${port}/v1/email-verifications/[A-Za-z0-9_-]{43}$`),
    );
  });

  it('refuses a Host that is not this machine, so that no link can name another site', async () => {
    for (const host of ['evil.example', `evil.example:${port}`, `192.0.2.1:${port}`]) {
      const { status, body } = await asHost(host, 'GET', '/v1/terms');
      expect([status, body.code], host).toEqual([403, 'forbidden']);
    }
    expect((await asHost('evil.example', 'POST', '/_local/cards', { body: {} })).status).toBe(403);
  });
});

describe('GET /v1/openapi.json', () => {
  it('serves the checked-in contract, its server the address asked', async () => {
    const served = await world.api.openApi();
    expect(served.openapi).toMatch(/^3\.1\./);
    expect(served.servers).toEqual([{ url: world.runtime.apiUrl, description: expect.any(String) }]);
    expect(Object.keys(served.paths)).toContain('/v1/me/notices/{noticeId}');
    const { status, body } = await asHost(`10.0.2.2:${port}`, 'GET', '/v1/openapi.json');
    expect(status).toBe(200);
    expect((body.servers as { url: string }[])[0]?.url).toBe(`http://10.0.2.2:${port}`);
  });
});

describe('/_local/cards: a card for an app without NFC', () => {
  const issue = async (holder: Record<string, unknown> = {}) => {
    const response = await fetch(`${world.runtime.apiUrl}/_local/cards`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(holder),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { cardId: string; holder: { signPin: string; name: string } };
  };

  it('lets the app speak APDUs to a test card over HTTP, and register and activate with it', async () => {
    const { cardId, holder } = await issue({ name: '模擬　次郎', address: '東京都千代田区千代田1-1' });
    const phone = new VirtualPhone();
    await phone.setPins(PIN1, PIN2, { kdf: TEST_KDF });
    const registered = await phone.register(
      world.api,
      new LocalCardTransport(world.runtime.apiUrl, cardId),
      holder.signPin,
    );
    expect(registered).toMatchObject({ status: 'pending_activation', municipality: { code: '131016' } });
    await phone.activate(world.api, PIN1, PIN2);
    expect(await world.api.me(phone.accessToken as string)).toMatchObject({ name: '模擬　次郎' });
  });

  it('signs a statement the app built in one call, for a registration the app sends itself', async () => {
    const { cardId, holder } = await issue();
    const phone = new VirtualPhone();
    await phone.setPins(PIN1, PIN2, { kdf: TEST_KDF });
    const challenge = await world.api.createRegistrationChallenge();
    // What the app builds before the tap; the card signs its JCS bytes.
    const statement = registrationStatement(challenge, {
      auth: phone.deviceKeys.publicJwk('auth'),
      sign: phone.deviceKeys.publicJwk('sign'),
    });
    const response = await fetch(`${world.runtime.apiUrl}/_local/cards/${cardId}/signatures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pin: holder.signPin, statement }),
    });
    expect(response.status).toBe(200);
    const signed = (await response.json()) as { certificate: string; signature: string };
    const result = await world.api.register(registrationRequest({ statement, ...signed, exchanges: [] }));
    expect(result.status).toBe('pending_activation');
  });

  it('answers a wrong PIN as the card does, and an unknown card with 404', async () => {
    const { cardId } = await issue();
    const challenge = await world.api.createRegistrationChallenge();
    const phone = new VirtualPhone();
    await phone.setPins(PIN1, PIN2, { kdf: TEST_KDF });
    await expect(
      phone.signRegistration(new LocalCardTransport(world.runtime.apiUrl, cardId), 'WRONG1234', challenge),
    ).rejects.toMatchObject({ code: 'pin_incorrect', triesLeft: 4 });
    const unknown = await fetch(`${world.runtime.apiUrl}/_local/cards/nope/apdu`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ command: '00a4040c0ad392f000260100000001' }),
    });
    expect(unknown.status).toBe(404);
  });
});
