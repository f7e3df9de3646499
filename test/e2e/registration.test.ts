import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalPki } from '#lib/local/pki';
import { type IssuedCard, issueCard } from '#test/harness/cards';
import { checkedFetch } from '#test/harness/contract';
import { type ApiClient, ApiError } from '#test/harness/phone/api';
import { type CardSignedStatement, registrationRequest, VirtualPhone } from '#test/harness/phone/phone';
import { TestCa } from '#test/harness/pki/test-pki';
import type { RuntimeProcess } from '../integration/local-runtime.ts';
import { challengeMaker } from './challenges.ts';
import type { tableOf } from './table.ts';
import { PIN1, PIN2, startWorld, TEST_KDF, type World } from './world.ts';

/**
 * Registration end to end (design.md §3.2): the virtual phone reads a virtual card over APDUs and talks to
 * the local runtime. Every refusal is checked for its code *and* for leaving the table exactly as it was.
 */
const DAY = 86_400_000;

let world: World;
let runtime: RuntimeProcess;
let api: ApiClient;
let table: ReturnType<typeof tableOf>;
let pki: LocalPki;
let otherCa: TestCa;
let revoked: IssuedCard;

async function phone(): Promise<VirtualPhone> {
  const p = new VirtualPhone();
  await p.setPins(PIN1, PIN2, { kdf: TEST_KDF });
  return p;
}

/** A card-signed statement for a fresh challenge, ready to be altered by a test. */
async function signed(card: IssuedCard, device?: VirtualPhone): Promise<CardSignedStatement> {
  const challenge = await api.createRegistrationChallenge();
  return (device ?? (await phone())).signRegistration(card.reissue(), card.holder.signPin, challenge);
}

/** Sends a request, expects a problem with `code`, and that the table is unchanged. */
async function refused(code: string, send: () => Promise<unknown>): Promise<ApiError> {
  const before = await table.snapshot();
  const error = await send().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  expect((error as ApiError).code).toBe(code);
  expect(await table.snapshot()).toEqual(before);
  return error as ApiError;
}

beforeAll(async () => {
  world = await startWorld(async (localPki, stateDir) => {
    pki = localPki;
    // A revoked card: its serial goes into its municipality's CRL before the runtime first reads it.
    revoked = await issueCard(pki, { name: '失効\u3000太郎' });
    await pki.publishCrl(revoked.holder.locality, [{ serial: revoked.signature?.serial ?? '' }], {
      nextUpdate: new Date(Date.now() + DAY),
    });
    // A second trusted test CA for which no CRL is configured: its cards' status cannot be known.
    otherCa = await TestCa.create({ organization: 'JPKI-TEST-NOCRL' });
    const otherCaFile = path.join(stateDir, 'other-ca.pem');
    writeFileSync(otherCaFile, otherCa.pem);
    return { XID_TRUST_ANCHORS: otherCaFile };
  });
  ({ runtime, api, table } = world);
}, 180_000);

afterAll(async () => {
  await world?.stop();
});

describe('registration with the card', () => {
  it('registers 公的 花子 (the guide example) in 品川区, 131091', async () => {
    const card = await issueCard(pki, {
      name: '公的\u3000花子',
      gender: 'female',
      dateOfBirth: '1966-11-10',
      address: '東京都品川区広町2-1-10',
    });
    const device = await phone();
    const result = await device.register(api, card.reissue(), card.holder.signPin);
    expect(result).toMatchObject({
      status: 'pending_activation',
      municipality: { code: '131091', name: '品川区' },
    });
    expect(result.accountId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.activation.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Date(result.activation.expiresAt).getTime()).toBeGreaterThan(Date.now());
  });

  it('gives a designated city as the municipality: 横浜市鶴見区 → 横浜市 141003', async () => {
    const card = await issueCard(pki, { address: '神奈川県横浜市鶴見区鶴見中央3-20-1' });
    const result = await (await phone()).register(api, card.reissue(), card.holder.signPin);
    expect(result.municipality).toEqual({ code: '141003', name: '横浜市' });
  });

  it('answers a challenge with a nonce, an expiry five minutes away and the terms to sign', async () => {
    const challenge = await api.createRegistrationChallenge();
    const terms = await api.getTerms();
    expect(challenge.terms).toEqual({ version: terms.terms.version, sha256: terms.terms.sha256 });
    const ttl = new Date(challenge.expiresAt).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(4 * 60_000);
    expect(ttl).toBeLessThanOrEqual(5 * 60_000);
  });
});

describe('registration refusals: each with its code, and nothing written', () => {
  let good: IssuedCard;
  beforeAll(async () => {
    good = await issueCard(pki, { name: '検証\u3000花子' });
  });

  it('malformed base64 → 400 invalid_request', async () => {
    const s = await signed(good);
    await refused('invalid_request', () =>
      api.register({ ...registrationRequest(s), certificate: '%%%not-base64%%%' }),
    );
  });

  it('truncated DER → 400 certificate_malformed', async () => {
    const s = await signed(good);
    const truncated = Buffer.from(s.certificate, 'base64').subarray(0, 600).toString('base64');
    await refused('certificate_malformed', () =>
      api.register({ ...registrationRequest(s), certificate: truncated }),
    );
  });

  it('a 5 MB body → 413 payload_too_large', async () => {
    const s = await signed(good);
    await refused('payload_too_large', () =>
      api.register({ ...registrationRequest(s), padding: 'x'.repeat(5 * 1024 * 1024) }),
    );
  });

  it('a 2 MB body → 413, malformed JSON → 400 malformed_json, a wrong content type → 415', async () => {
    const post = (body: string, type: string) =>
      checkedFetch(`${runtime.apiUrl}/v1/registrations`, {
        method: 'POST',
        headers: { 'content-type': type },
        body,
      });
    const before = await table.snapshot();
    const big = await post(`{"x":"${'y'.repeat(2 * 1024 * 1024)}"}`, 'application/json');
    expect([big.status, ((await big.json()) as { code: string }).code]).toEqual([413, 'payload_too_large']);
    const broken = await post('{"statement":', 'application/json');
    expect([broken.status, ((await broken.json()) as { code: string }).code]).toEqual([
      400,
      'malformed_json',
    ]);
    const wrongType = await post('statement=1', 'application/x-www-form-urlencoded');
    expect([wrongType.status, ((await wrongType.json()) as { code: string }).code]).toEqual([
      415,
      'unsupported_media_type',
    ]);
    expect(wrongType.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await table.snapshot()).toEqual(before);
  });

  it('an expired certificate → 422 certificate_expired', async () => {
    const card = await issueCard(
      pki,
      {},
      { sign: { notBefore: new Date(Date.now() - 1000 * DAY), notAfter: new Date(Date.now() - DAY) } },
    );
    const s = await signed(card);
    await refused('certificate_expired', () => api.register(registrationRequest(s)));
  });

  it('a certificate not yet valid → 422 certificate_not_yet_valid', async () => {
    const card = await issueCard(pki, {}, { sign: { notBefore: new Date(Date.now() + DAY) } });
    const body = registrationRequest(await signed(card));
    await refused('certificate_not_yet_valid', () => api.register(body));
  });

  it('a revoked certificate → 422 certificate_revoked', async () => {
    const body = registrationRequest(await signed(revoked));
    await refused('certificate_revoked', () => api.register(body));
  });

  it('a certificate from an unknown CA → 422 certificate_untrusted', async () => {
    const unknown = await TestCa.create({ organization: 'UNKNOWN-CA' });
    const card = await issueCard(pki, {}, { signCa: unknown });
    const body = registrationRequest(await signed(card));
    await refused('certificate_untrusted', () => api.register(body));
  });

  it('a CA with the same name but another key → 422 certificate_untrusted', async () => {
    const impostor = await TestCa.create();
    const card = await issueCard(pki, {}, { signCa: impostor });
    const body = registrationRequest(await signed(card));
    await refused('certificate_untrusted', () => api.register(body));
  });

  it('the wrong key usage → 422 certificate_profile', async () => {
    const card = await issueCard(pki, {}, { sign: { keyUsage: 'authentication' } });
    const body = registrationRequest(await signed(card));
    await refused('certificate_profile', () => api.register(body));
  });

  it('a 1024-bit key → 422 certificate_profile (and its 128-byte signature alone → 400 invalid_request)', async () => {
    const card = await issueCard(pki, {}, { sign: { keyBits: 1024 } });
    const body = registrationRequest(await signed(card));
    await refused('invalid_request', () => api.register(body));
    // Padded to the 256 bytes the body must carry, the request reaches the certificate checks.
    const padded = Buffer.concat([Buffer.alloc(128), Buffer.from(body.signature, 'base64')]).toString(
      'base64',
    );
    await refused('certificate_profile', () => api.register({ ...body, signature: padded }));
  });

  it('a SHA-1 certificate → 422 certificate_profile', async () => {
    const card = await issueCard(pki, {}, { sign: { hash: 'SHA-1' } });
    const body = registrationRequest(await signed(card));
    await refused('certificate_profile', () => api.register(body));
  });

  it('a certificate without the four items → 422 certificate_profile', async () => {
    const card = await issueCard(pki, {}, { sign: { omitSanItems: ['address'] } });
    const body = registrationRequest(await signed(card));
    await refused('certificate_profile', () => api.register(body));
  });

  it('a tampered statement → 422 signature_invalid', async () => {
    const s = await signed(good);
    const other = await phone();
    const tampered = { ...s, statement: { ...s.statement, authKey: other.deviceKeys.publicJwk('auth') } };
    await refused('signature_invalid', () =>
      api.register(registrationRequest(tampered as CardSignedStatement)),
    );
  });

  it('a statement naming another challenge than its nonce → 409 challenge_invalid', async () => {
    const another = await api.createRegistrationChallenge();
    const challenge = await api.createRegistrationChallenge();
    const moved = { ...challenge, challengeId: another.challengeId };
    const s = await (await phone()).signRegistration(good.reissue(), good.holder.signPin, moved);
    await refused('challenge_invalid', () => api.register(registrationRequest(s)));
  });

  it('a stale terms version → 400 statement_mismatch', async () => {
    const challenge = await api.createRegistrationChallenge();
    const stale = { ...challenge, terms: { version: '2020-01-01', sha256: challenge.terms.sha256 } };
    const s = await (await phone()).signRegistration(good.reissue(), good.holder.signPin, stale);
    await refused('statement_mismatch', () => api.register(registrationRequest(s)));
  });

  it('missing consent → 400 consent_required', async () => {
    const s = await signed(good);
    await refused('consent_required', () => api.register(registrationRequest(s, false)));
  });

  it('an expired challenge → 409 challenge_invalid', async () => {
    const current = await api.createRegistrationChallenge();
    const old = await challengeMaker(runtime.record).madeAt(
      'registration',
      '',
      new Date(Date.now() - 301_000),
    );
    const challenge = { ...current, challengeId: old.challengeId, nonce: old.nonce };
    const s = await (await phone()).signRegistration(good.reissue(), good.holder.signPin, challenge);
    await refused('challenge_invalid', () => api.register(registrationRequest(s)));
    // The same challenge made a little later is still good: it was the expiry that refused it.
    const fresh = await challengeMaker(runtime.record).madeAt(
      'registration',
      '',
      new Date(Date.now() - 240_000),
    );
    const ok = await (await phone()).signRegistration(good.reissue(), good.holder.signPin, {
      ...current,
      ...fresh,
    });
    await refused('consent_required', () => api.register(registrationRequest(ok, false)));
  });

  it('a replayed challenge in another body → 409 challenge_invalid, and a second registration of the card → 409 already_registered', async () => {
    const card = await issueCard(pki, { name: '再送\u3000次郎' });
    const s = await signed(card);
    await api.register(registrationRequest(s));
    await refused('challenge_invalid', () => api.register(registrationRequest(s, false)));
    await refused('challenge_invalid', () =>
      api.register({ ...registrationRequest(s), signature: Buffer.alloc(256, 7).toString('base64') }),
    );
    const body = registrationRequest(await signed(card));
    await refused('already_registered', () => api.register(body));
  });

  it('a CA whose CRL cannot be had → 503 revocation_unavailable (fail closed)', async () => {
    const card = await issueCard(pki, {}, { signCa: otherCa });
    const body = registrationRequest(await signed(card));
    await refused('revocation_unavailable', () => api.register(body));
  });

  it('an address with no municipality → 422 municipality_unknown', async () => {
    const card = await issueCard(pki, { address: '架空県どこか市1-1' });
    const body = registrationRequest(await signed(card));
    await refused('municipality_unknown', () => api.register(body));
  });
});

describe('a lost registration response (design.md §3.9)', () => {
  it('answers the same body again with the same 201 until the activation, then 409 challenge_invalid', async () => {
    const card = await issueCard(pki, { name: '圏外\u3000三郎' });
    const device = await phone();
    const body = registrationRequest(await signed(card, device));
    const first = await api.register(body);
    const before = await table.snapshot();
    expect(await api.register(body)).toEqual(first);
    expect(await table.snapshot()).toEqual(before);
    device.account = first;
    await device.activate(api, PIN1, PIN2);
    await refused('challenge_invalid', () => api.register(body));
  });

  it('answers two sendings at once with one account and the same 201 twice', async () => {
    const card = await issueCard(pki, { name: '同時\u3000四郎' });
    const body = registrationRequest(await signed(card));
    const [a, b] = await Promise.all([api.register(body), api.register(body)]);
    expect(b).toEqual(a);
    const accounts = (await table.snapshot()).filter(
      (item) => item.includes('"sk":"PROFILE"') && item.includes('同時'),
    );
    expect(accounts).toHaveLength(1);
  });
});

describe('privacy of what is stored', () => {
  it('keeps gender, date of birth and address only encrypted, and never the certificate', async () => {
    const people = [
      {
        name: '秘密\u3000一郎',
        gender: 'male' as const,
        dateOfBirth: '1971-03-04',
        address: '大阪府大阪市北区中之島1-3-20',
      },
      {
        name: '秘密\u3000二子',
        gender: 'female' as const,
        dateOfBirth: '1988-12-25',
        address: '北海道札幌市中央区北1条西2丁目',
      },
      {
        name: '秘密\u3000三',
        gender: 'unknown' as const,
        dateOfBirth: '2001-07-07',
        address: '東京都八丈町大賀郷2551-2',
      },
    ];
    const certificates: Buffer[] = [];
    for (const who of people) {
      const card = await issueCard(pki, who);
      await (await phone()).register(api, card.reissue(), card.holder.signPin);
      certificates.push(card.signature?.der ?? Buffer.alloc(0));
    }
    const stored = (await table.snapshot()).join('\n');
    for (const who of people) {
      expect(stored).toContain(who.name);
      for (const secret of [
        who.address,
        who.dateOfBirth,
        who.dateOfBirth.replaceAll('-', ''),
        `"${who.gender}"`,
      ]) {
        expect(stored).not.toContain(secret);
      }
    }
    for (const der of certificates) {
      expect(stored).not.toContain(der.toString('base64').slice(100, 160));
      expect(stored).not.toContain(der.toString('hex').slice(200, 280));
    }
    expect(stored).not.toMatch(/"gender":"(male|female|unknown)"/);
  });
});
