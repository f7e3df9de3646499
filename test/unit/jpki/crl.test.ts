import { sign } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '#functions/jpki/certificate';
import { CRL_REASON, parseCrl, RevocationChecker, type RevocationCheckerOptions } from '#functions/jpki/crl';
import { certificateScopeKeys, scopeLabel, WHOLE_ISSUER } from '#functions/jpki/distribution-points';
import { loadTrustAnchors, type TrustAnchor } from '#functions/jpki/trust';
import { JpkiVerifier } from '#functions/jpki/verify';
import { ProblemError } from '#functions/shared/problems';
import { createTestPki, type IssuedCard, issueCard, type TestPki } from '#test/harness/cards';
import { MemoryCrls } from '#test/harness/pki/memory-crls';
import type { CrlOptions } from '#test/harness/pki/test-pki';

/**
 * RFC 5280 §6.3 CRL processing (design.md §3.7), one rule per test, with the test PKI's CRLs. The card of
 * 公的 花子 lives in Shinagawa-ku, so its signature certificate names the Tokyo/Shinagawa-ku partition as
 * its CRL distribution point; the other partition used here is Osaka/Sakai-shi.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SHINAGAWA = ['Tokyo', 'Shinagawa-ku'] as const;
const SAKAI = ['Osaka', 'Sakai-shi'] as const;
const message = Buffer.from('{"type":"xid/registration/v1"}');

let pki: TestPki;
let anchors: TrustAnchor[];
let card: IssuedCard;
let der: Buffer;
let serial: string;

interface Logged {
  refused: { object: string; reason: string; distributionPoint?: string }[];
  unavailable: { distributionPoint: string; reason: string }[];
}

function setup(crls: Record<string, Uint8Array | Error>, options: Partial<RevocationCheckerOptions> = {}) {
  const reader = new MemoryCrls(crls);
  const logged: Logged = { refused: [], unavailable: [] };
  let now = new Date();
  const checker = new RevocationChecker({
    reader,
    anchors,
    log: {
      refused: (object, reason, distributionPoint) =>
        logged.refused.push({ object, reason, distributionPoint }),
      unavailable: (distributionPoint, reason) => logged.unavailable.push({ distributionPoint, reason }),
    },
    ...options,
  });
  const verifier = new JpkiVerifier({ anchors, revocation: checker, clock: () => now });
  return {
    reader,
    logged,
    checker,
    /** The code the verifier answers for the card, or `ok`. */
    outcome: async (which: IssuedCard = card) => {
      const certificate = which.signature?.der ?? Buffer.alloc(0);
      const signature = sign('sha256', message, which.signature?.key.privateKey ?? '');
      return verifier.verify(certificate, message, signature).then(
        () => 'ok',
        (error: unknown) => (error instanceof ProblemError ? error.code : `threw ${String(error)}`),
      );
    },
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
  };
}

const crl = (options: CrlOptions = {}) => pki.signCa.crl(options);
const partition = (locality: readonly [string, string], options: CrlOptions = {}) =>
  crl({ ...options, scope: { distributionPoint: pki.signCa.partition(locality), ...options.scope } });
const revokingCard = (reason: number = CRL_REASON.affiliationChanged) => [{ serial, reason }];

beforeAll(async () => {
  pki = await createTestPki();
  anchors = loadTrustAnchors([pki.signCa.der], { allowTest: true });
  card = await issueCard(pki, { locality: [...SHINAGAWA] });
  der = card.signature?.der ?? Buffer.alloc(0);
  serial = parseCertificate(der).serial;
});

describe('CRL reader', () => {
  it('reads entry extensions: reason code and invalidity date', async () => {
    const invalidityDate = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
    const parsed = parseCrl(
      await crl({
        revoked: [
          { serial: '0a', reason: CRL_REASON.keyCompromise, invalidityDate },
          { serial: '0b', reason: null },
        ],
        number: 42,
      }),
    );
    expect(parsed.revoked.get('0a')).toMatchObject({ reason: 1, invalidityDate: invalidityDate.getTime() });
    expect(parsed.revoked.get('0b')?.reason).toBeUndefined();
    expect(parsed.crlNumber).toBe('2a');
    expect(parsed.delta).toBe(false);
  });

  it('reads the IssuingDistributionPoint as the same key as the certificate’s distribution point', async () => {
    const parsed = parseCrl(await partition(SHINAGAWA));
    const keys = certificateScopeKeys(parseCertificate(der));
    expect(parsed.issuingDistributionPoint?.names).toEqual([keys[0]]);
    expect(keys[1]).toBe(WHOLE_ISSUER);
    expect(scopeLabel(keys[0] as string)).toBe(
      'C=JP, O=JPKI-TEST, OU=JPKI for digital signature, OU=CRL Distribution Points, OU=Tokyo, CN=Shinagawa-ku',
    );
  });
});

describe('which CRL covers a certificate', () => {
  it('uses the partition CRL of the card’s municipality', async () => {
    expect(await setup({ tokyo: await partition(SHINAGAWA) }).outcome()).toBe('ok');
    expect(await setup({ tokyo: await partition(SHINAGAWA, { revoked: revokingCard() }) }).outcome()).toBe(
      'certificate_revoked',
    );
  });

  it('never takes another municipality’s partition CRL as proof that a card is good', async () => {
    const { outcome, logged } = setup({ osaka: await partition(SAKAI) });
    expect(await outcome()).toBe('revocation_unavailable');
    expect(logged.unavailable).toEqual([
      {
        distributionPoint: expect.stringContaining('OU=Tokyo, CN=Shinagawa-ku'),
        reason: 'no configured CRL covers it',
      },
    ]);
    expect(JSON.stringify(logged)).not.toContain(card.holder.address);
    expect(JSON.stringify(logged)).not.toContain(serial);
  });

  it('still finds the card revoked when a newer CRL of another partition arrives (the operator’s test)', async () => {
    const { outcome } = setup({
      full: await crl({ revoked: revokingCard(), thisUpdate: new Date(Date.now() - 2 * HOUR) }),
      osaka: await partition(SAKAI, { thisUpdate: new Date(Date.now() - 60_000) }),
    });
    expect(await outcome()).toBe('certificate_revoked');
  });

  it('answers revoked when any fresh covering CRL lists the card', async () => {
    const { outcome } = setup({
      full: await crl(),
      tokyo: await partition(SHINAGAWA, { revoked: revokingCard() }),
    });
    expect(await outcome()).toBe('certificate_revoked');
  });

  it('matches a distribution point named relative to the CRL issuer', async () => {
    const relative = pki.signCa.nameWith('2.5.4.3', 'Partition 7');
    const other = await issueCard(pki, {}, { sign: { crlDistributionPoint: relative } });
    const otherSerial = parseCertificate(other.signature?.der ?? Buffer.alloc(0)).serial;
    const { outcome } = setup({
      p7: await crl({
        scope: { distributionPoint: relative, relativeName: true },
        revoked: [{ serial: otherSerial }],
      }),
    });
    expect(await outcome(other)).toBe('certificate_revoked');
  });

  it('covers a certificate without distribution points only by a CRL for the whole issuer', async () => {
    const bare = await issueCard(pki, {}, { sign: { crlDistributionPoint: null } });
    expect(await setup({ tokyo: await partition(SHINAGAWA) }).outcome(bare)).toBe('revocation_unavailable');
    expect(await setup({ full: await crl() }).outcome(bare)).toBe('ok');
    const byIssuerName = await crl({ scope: { distributionPoint: pki.signCa.name } });
    expect(await setup({ ca: byIssuerName }).outcome(bare)).toBe('ok');
  });

  it('accepts a partition CRL limited to user certificates', async () => {
    const onlyUsers = await partition(SHINAGAWA, { scope: { onlyUserCertificates: true } });
    expect(await setup({ tokyo: onlyUsers }).outcome()).toBe('ok');
  });
});

describe('CRLs that are never used', () => {
  const cases: [string, () => Promise<Buffer>, RegExp][] = [
    ['a delta CRL', () => partition(SHINAGAWA, { deltaOf: 1 }), /delta CRL/],
    [
      'a CRL with an unrecognised critical extension',
      () => partition(SHINAGAWA, { criticalExtension: '1.2.3.4.5' }),
      /unrecognised critical extension 1\.2\.3\.4\.5/,
    ],
    [
      'a CRL with an unrecognised critical entry extension',
      () => partition(SHINAGAWA, { revoked: [{ serial: '01', criticalExtension: '1.2.3.4.6' }] }),
      /unrecognised critical extension 1\.2\.3\.4\.6/,
    ],
    ['a SHA-1 signed CRL', () => partition(SHINAGAWA, { hash: 'SHA-1' }), /sha1WithRSAEncryption/],
    [
      'a CRL covering only some reasons',
      () => partition(SHINAGAWA, { scope: { onlySomeReasons: true } }),
      /only some revocation reasons/,
    ],
    ['an indirect CRL', () => partition(SHINAGAWA, { scope: { indirect: true } }), /indirect/],
    [
      'a CRL for CA certificates only',
      () => partition(SHINAGAWA, { scope: { onlyCaCertificates: true } }),
      /no end-entity/,
    ],
    [
      'a CRL without nextUpdate',
      () => partition(SHINAGAWA, { omitNextUpdate: true }),
      /malformed: nextUpdate \(required/,
    ],
  ];
  for (const [what, make, reason] of cases) {
    it(`refuses ${what}, logs why, and fails closed`, async () => {
      const { outcome, logged } = setup({ tokyo: await make() });
      expect(await outcome()).toBe('revocation_unavailable');
      expect(logged.refused).toEqual([
        expect.objectContaining({ object: 'tokyo', reason: expect.stringMatching(reason) }),
      ]);
      // A CRL that could be read says which distribution point it was for; an unreadable one cannot.
      const readable = !String(logged.refused[0]?.reason).startsWith('malformed');
      expect(logged.refused[0]?.distributionPoint).toEqual(
        readable ? expect.stringContaining('Shinagawa-ku') : undefined,
      );
      expect(logged.unavailable[0]?.reason).toMatch(
        readable ? /its CRL was refused/ : /no configured CRL covers it/,
      );
    });
  }

  it('uses the complete CRL beside a delta CRL, so a revocation on the complete one counts', async () => {
    const { outcome } = setup({
      base: await partition(SHINAGAWA, { revoked: revokingCard(), number: 1 }),
      delta: await partition(SHINAGAWA, { deltaOf: 1, number: 2, thisUpdate: new Date(Date.now() - 60_000) }),
    });
    expect(await outcome()).toBe('certificate_revoked');
  });

  it('ignores a non-critical extension it does not know', async () => {
    const parsed = parseCrl(await partition(SHINAGAWA));
    expect(parsed.unrecognisedCritical).toEqual([]);
    expect(await setup({ tokyo: await partition(SHINAGAWA) }).outcome()).toBe('ok');
  });
});

describe('freshness', () => {
  it('refuses a CRL past its nextUpdate', async () => {
    const stale = await partition(SHINAGAWA, {
      thisUpdate: new Date(Date.now() - 2 * DAY),
      nextUpdate: new Date(Date.now() - HOUR),
    });
    const { outcome, logged } = setup({ tokyo: stale });
    expect(await outcome()).toBe('revocation_unavailable');
    expect(logged.unavailable[0]?.reason).toMatch(/stale: its nextUpdate/);
  });

  it('refuses a CRL older than maxCrlAgeHours even before its nextUpdate', async () => {
    const old = await partition(SHINAGAWA, {
      thisUpdate: new Date(Date.now() - 50 * HOUR),
      nextUpdate: new Date(Date.now() + 10 * DAY),
    });
    const { outcome, logged } = setup({ tokyo: old });
    expect(await outcome()).toBe('revocation_unavailable');
    expect(logged.unavailable[0]?.reason).toMatch(/more than 48 hours ago/);
    expect(await setup({ tokyo: old }, { maxCrlAgeHours: 72 }).outcome()).toBe('ok');
  });

  it('refuses a CRL issued in the future, keeps nothing of it, and reads it again later', async () => {
    const future = await partition(SHINAGAWA, {
      thisUpdate: new Date(Date.now() + HOUR),
      nextUpdate: new Date(Date.now() + DAY),
    });
    const { outcome, logged, reader, advance } = setup({ tokyo: future }, { retryMs: 0 });
    expect(await outcome()).toBe('revocation_unavailable');
    expect(logged.refused[0]?.reason).toMatch(/in the future/);
    expect(reader.reads.length).toBeGreaterThanOrEqual(1);
    const before = reader.reads.length;
    advance(2 * HOUR);
    expect(await outcome()).toBe('ok');
    expect(reader.reads.length).toBe(before + 1);
  });

  it('tolerates a thisUpdate a little in the future (clock skew)', async () => {
    const skewed = await partition(SHINAGAWA, { thisUpdate: new Date(Date.now() + 60_000) });
    expect(await setup({ tokyo: skewed }).outcome()).toBe('ok');
  });
});

describe('reading the sources', () => {
  it('reads a source again when it changes, at most every 5 minutes, and only what changed', async () => {
    const { outcome, reader, advance } = setup({
      tokyo: await partition(SHINAGAWA, { thisUpdate: new Date(Date.now() - 2 * HOUR) }),
      osaka: await partition(SAKAI),
    });
    expect(await outcome()).toBe('ok');
    expect(reader.reads.sort()).toEqual(['osaka', 'tokyo']);
    reader.set('tokyo', await partition(SHINAGAWA, { revoked: revokingCard(), number: 2 }));
    advance(4 * 60_000);
    expect(await outcome()).toBe('ok'); // within 5 minutes of the last check: not looked at yet
    expect(reader.lists).toBe(1);
    advance(60_000);
    expect(await outcome()).toBe('certificate_revoked');
    expect(reader.lists).toBe(2);
    expect(reader.reads.sort()).toEqual(['osaka', 'tokyo', 'tokyo']);
  });

  it('lets callers that arrive together share one read', async () => {
    const { outcome, reader } = setup({ tokyo: await partition(SHINAGAWA) });
    expect(await Promise.all([outcome(), outcome(), outcome()])).toEqual(['ok', 'ok', 'ok']);
    expect(reader.lists).toBe(1);
    expect(reader.reads).toEqual(['tokyo']);
  });

  it('keeps the CRL it has while a source cannot be read', async () => {
    const { outcome, reader, advance } = setup({
      tokyo: await partition(SHINAGAWA, { revoked: revokingCard() }),
    });
    expect(await outcome()).toBe('certificate_revoked');
    reader.set('tokyo', new Error('connection reset'));
    advance(6 * 60_000);
    expect(await outcome()).toBe('certificate_revoked');
  });

  it('keeps the newest CRL of a distribution point when a source serves an older one', async () => {
    const newer = await partition(SHINAGAWA, { revoked: revokingCard(), number: 2 });
    const older = await partition(SHINAGAWA, { number: 1, thisUpdate: new Date(Date.now() - 3 * HOUR) });
    expect(await setup({ a: newer, b: older }).outcome()).toBe('certificate_revoked');
    expect(await setup({ a: older, b: newer }).outcome()).toBe('certificate_revoked');
  });

  it('costs one listing per check with 1,741 partition CRLs, and reads again only the one that changed', async () => {
    const crls: Record<string, Uint8Array> = {};
    const count = 1741;
    const template = await partition(SAKAI);
    for (let i = 0; i < count - 1; i++) crls[`p${i}`] = template;
    crls.tokyo = await partition(SHINAGAWA);
    const { outcome, reader, advance } = setup(crls);
    expect(await outcome()).toBe('ok');
    expect(reader.lists).toBe(1);
    expect(reader.reads.length).toBe(count);
    reader.set('tokyo', await partition(SHINAGAWA, { revoked: revokingCard(), number: 2 }));
    advance(5 * 60_000);
    expect(await outcome()).toBe('certificate_revoked');
    expect(reader.lists).toBe(2);
    expect(reader.reads.length).toBe(count + 1);
  });
});
