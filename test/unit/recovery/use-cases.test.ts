import { generateKeyPairSync } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { VerifiedCertificate } from '#functions/jpki/verify';
import type { DeviceRecord, SubscriptionRecord } from '#functions/push/model';
import type { RecoverableAccount, Recovery } from '#functions/recovery/model';
import type { RecoveryPorts } from '#functions/recovery/ports';
import type { RecoveryBody } from '#functions/recovery/schemas';
import { recover } from '#functions/recovery/use-cases';
import { registrationResponse } from '#functions/registration/schemas';
import { challenges } from '#functions/shared/challenges';
import { ProblemError } from '#functions/shared/problems';
import { codeOf } from '#test/unit/support';

/**
 * Recovery (design.md §3.9, 機種変更・再設定) with every port in memory: registration's checks, the account
 * found by its current certificate, the old phone's push removed before the one transaction, and the mail.
 */
const ACCOUNT = '00000000-0000-4000-8000-000000000001';
const NOW = new Date('2026-11-27T03:00:00Z');
const TERMS = {
  terms: { version: '2026-04', sha256: 'a'.repeat(64) },
  privacyPolicy: { version: '2026-04', sha256: 'b'.repeat(64) },
};
const publicJwk = () => {
  const { x, y } = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  return { kty: 'EC' as const, crv: 'P-256' as const, x: x as string, y: y as string };
};
const CERTIFICATE = { issuerSha256: 'c'.repeat(64), serial: '1a2b' };
const ENDPOINT = 'arn:aws:sns:ap-northeast-1:123456789012:endpoint/APNS/xid-dev-apns/1';
const SUBSCRIPTION = 'arn:aws:sns:ap-northeast-1:123456789012:xid-dev-push-131091:1';

interface World {
  ports: RecoveryPorts;
  account?: RecoverableAccount;
  device?: DeviceRecord;
  subscription?: SubscriptionRecord;
  challengeUsed: boolean;
  challengeId: string;
  recovered: Recovery[];
  calls: string[];
  mails: { to: string; subject: string }[];
  sesDown: boolean;
  refuseCard?: ProblemError;
  raceLost?: boolean;
}

let world: World;
/** Stateless registration challenges (the recovery statement's, too) under a fixed test key. */
const codec = challenges(async () => Buffer.alloc(32, 5));
let issued: { challengeId: string; nonce: string };

beforeEach(async () => {
  issued = await codec.issue('registration', '', NOW);
  const w = {
    challengeUsed: false,
    challengeId: issued.challengeId,
    recovered: [],
    calls: [],
    mails: [],
    sesDown: false,
  } as unknown as World;
  w.account = {
    accountId: ACCOUNT,
    status: 'active',
    tokenGeneration: 2,
    activity: { seq: 5, hash: 'h'.repeat(43) },
    municipality: { code: '131091', name: '品川区', prefecture: '東京都' },
    email: { address: 'hanako@example.jp', verified: true, deliverable: true },
    certificate: CERTIFICATE,
  };
  w.device = { platform: 'APNS', endpointArn: ENDPOINT, tokenSha256: 'x', enabled: true };
  w.subscription = { code: '131091', topicArn: 't', subscriptionArn: SUBSCRIPTION, endpointArn: ENDPOINT };
  w.ports = {
    challenges: codec,
    challengeUsed: async (id) => w.challengeUsed && id === w.challengeId,
    currentTerms: () => TERMS,
    verifyCard: async () => {
      w.calls.push('verify');
      if (w.refuseCard) throw w.refuseCard;
      return {
        items: {} as VerifiedCertificate['items'],
        certificate: { ...CERTIFICATE },
      } as VerifiedCertificate;
    },
    accountOfCertificate: async (issuer, serial) =>
      w.account && issuer === CERTIFICATE.issuerSha256 && serial === CERTIFICATE.serial
        ? w.account
        : undefined,
    device: async () => w.device,
    subscription: async () => w.subscription,
    unsubscribe: async (arn) => {
      w.calls.push(`unsubscribe:${arn === SUBSCRIPTION}`);
    },
    deleteEndpoint: async (arn) => {
      w.calls.push(`deleteEndpoint:${arn === ENDPOINT}`);
    },
    recover: async (recovery, { challengeId }) => {
      w.calls.push('transaction');
      if (challengeId !== w.challengeId || w.challengeUsed) throw new ProblemError('challenge_invalid');
      if (w.raceLost) throw new ProblemError('account_changed');
      w.challengeUsed = true;
      w.recovered.push(recovery);
    },
    send: async (to, content) => {
      if (w.sesDown) throw new Error('SES down');
      w.mails.push({ to, subject: content.subject });
    },
    newNonce: () => 'new-nonce'.padEnd(43, 'x'),
    now: () => NOW,
  };
  world = w;
});

const body = (change: Partial<RecoveryBody['statement']> = {}): RecoveryBody => ({
  statement: {
    type: 'xid/recovery/v1',
    challengeId: issued.challengeId,
    nonce: issued.nonce,
    termsVersion: TERMS.terms.version,
    termsSha256: TERMS.terms.sha256,
    privacyPolicyVersion: TERMS.privacyPolicy.version,
    privacyPolicySha256: TERMS.privacyPolicy.sha256,
    authKey: publicJwk(),
    signKey: publicJwk(),
    ...change,
  },
  certificate: Buffer.alloc(1500, 1).toString('base64'),
  signature: Buffer.alloc(256, 2).toString('base64'),
});

describe('recovery', () => {
  it('gives the account the new keys and a new activation, and answers like registration (200)', async () => {
    const request = body();
    const result = await recover(request, world.ports);
    expect(registrationResponse.parse(result.body)).toEqual({
      accountId: ACCOUNT,
      status: 'pending_activation',
      municipality: { code: '131091', name: '品川区' },
      activation: {
        nonce: 'new-nonce'.padEnd(43, 'x'),
        expiresAt: new Date(NOW.getTime() + 600_000).toISOString(),
      },
    });
    const [recovery] = world.recovered;
    expect(recovery?.deviceKeys).toEqual({
      auth: request.statement.authKey,
      sign: request.statement.signKey,
    });
    expect(recovery?.account.tokenGeneration).toBe(2);
    expect(recovery?.removedEndpoint).toBe(ENDPOINT);
    expect(recovery?.activity).toEqual({
      type: 'device_changed',
      at: NOW,
      detail: { reason: 'recovery', pushRemoved: true, noticesEnded: true },
    });
  });

  it('removes the old phone’s push from SNS before the transaction, and mails the verified address after', async () => {
    const result = await recover(body(), world.ports);
    expect(world.calls).toEqual(['verify', 'unsubscribe:true', 'deleteEndpoint:true', 'transaction']);
    expect(world.mails).toEqual([{ to: 'hanako@example.jp', subject: expect.stringContaining('機種変更') }]);
    expect(result.mail).toBe('sent');
  });

  it('serves an account stuck in pending_activation, without a device', async () => {
    world.account = { ...(world.account as RecoverableAccount), status: 'pending_activation' };
    world.device = undefined;
    world.subscription = undefined;
    await recover(body(), world.ports);
    expect(world.calls).toEqual(['verify', 'transaction']);
    expect(world.recovered[0]?.activity.detail).toEqual({
      reason: 'recovery',
      pushRemoved: false,
      noticesEnded: false,
    });
  });

  it('mails no unverified or bounced address, and a mail SES refuses does not undo the recovery', async () => {
    world.account = {
      ...(world.account as RecoverableAccount),
      email: { address: 'x@example.jp', verified: false, deliverable: true },
    };
    expect((await recover(body(), world.ports)).mail).toBe('none');
    world.challengeUsed = false;
    world.account = {
      ...world.account,
      email: { address: 'x@example.jp', verified: true, deliverable: false },
    };
    expect((await recover(body(), world.ports)).mail).toBe('none');
    world.challengeUsed = false;
    world.account = {
      ...world.account,
      email: { address: 'x@example.jp', verified: true, deliverable: true },
    };
    world.sesDown = true;
    expect((await recover(body(), world.ports)).mail).toBe('failed');
    expect(world.recovered).toHaveLength(3);
    expect(world.mails).toEqual([]);
  });

  it.each([
    ['an unknown challenge', () => body({ challengeId: 'nope' }), 'challenge_invalid'],
    // The nonce is the challenge's MAC: another one names no challenge we made.
    ['another nonce', () => body({ nonce: 'm'.repeat(43) }), 'challenge_invalid'],
    ['older terms', () => body({ termsVersion: '2025-01' }), 'statement_mismatch'],
  ])('refuses %s before reading the card, touching nothing', async (_, make, code) => {
    expect(await codeOf(recover(make(), world.ports))).toBe(code);
    expect(world.calls).toEqual([]);
  });

  it('refuses what the card verifier refuses, and a certificate of no account (404 account_not_found)', async () => {
    world.refuseCard = new ProblemError('certificate_revoked');
    expect(await codeOf(recover(body(), world.ports))).toBe('certificate_revoked');
    world.refuseCard = undefined;
    world.account = undefined;
    expect(await codeOf(recover(body(), world.ports))).toBe('account_not_found');
    expect(world.calls).toEqual(['verify', 'verify']);
    expect(world.recovered).toEqual([]);
  });

  it('passes on a race lost in the transaction (409 account_changed), sending no mail', async () => {
    world.raceLost = true;
    expect(await codeOf(recover(body(), world.ports))).toBe('account_changed');
    expect(world.recovered).toEqual([]);
    expect(world.mails).toEqual([]);
  });
});
