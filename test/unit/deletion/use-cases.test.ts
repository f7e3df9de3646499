import { beforeEach, describe, expect, it } from 'vitest';
import type { DeletableAccount, Deletion } from '#functions/deletion/model';
import type { DeletionPorts } from '#functions/deletion/ports';
import { deleteAccount } from '#functions/deletion/use-cases';
import type { DeviceRecord, SubscriptionRecord } from '#functions/push/model';
import { ProblemError } from '#functions/shared/problems';
import { codeOf } from '#test/unit/support';

/**
 * Deleting the account (design.md §3.10) with every port in memory: the token's generation checked in the
 * one account read, the sign proof before anything changes, the push endpoint out of SNS before the one
 * transaction, then the sweep of the activity log.
 */
const ACCOUNT = '00000000-0000-4000-8000-000000000001';
const NOW = new Date('2026-11-27T03:00:00Z');
const ENDPOINT = 'arn:aws:sns:ap-northeast-1:123456789012:endpoint/APNS/xid-dev-apns/1';
const SUBSCRIPTION = 'arn:aws:sns:ap-northeast-1:123456789012:xid-dev-push-131091:1';
const CHALLENGE = { challengeId: 'c-1', nonce: 'n'.repeat(43) };

interface World {
  ports: DeletionPorts;
  account?: DeletableAccount;
  device?: DeviceRecord;
  subscription?: SubscriptionRecord;
  calls: string[];
  deleted: Deletion[];
  proof?: 'challenge_invalid' | 'proof_invalid';
  raceLost?: boolean;
  sweepFails?: boolean;
}

let world: World;
const identity = { accountId: ACCOUNT, tokenGeneration: 1 };
const body = { signProof: 'a.b.c' };

beforeEach(() => {
  const w = { calls: [], deleted: [] } as unknown as World;
  w.account = {
    accountId: ACCOUNT,
    tokenGeneration: 1,
    certificate: { issuerSha256: 'c'.repeat(64), serial: '1a2b' },
    supersededCertificates: [],
    emailTokenHash: 'e'.repeat(64),
  };
  w.device = { platform: 'APNS', endpointArn: ENDPOINT, tokenSha256: 'x', enabled: true };
  w.subscription = { code: '131091', topicArn: 't', subscriptionArn: SUBSCRIPTION, endpointArn: ENDPOINT };
  w.ports = {
    deletableAccount: async (id) => (id === ACCOUNT ? w.account : undefined),
    verifyDeletionProof: async (proof, accountId) => {
      w.calls.push(`proof:${proof}:${accountId === ACCOUNT}`);
      if (w.proof) throw new ProblemError(w.proof);
      return CHALLENGE;
    },
    device: async () => w.device,
    subscription: async () => w.subscription,
    unsubscribe: async (arn) => {
      w.calls.push(`unsubscribe:${arn === SUBSCRIPTION}`);
    },
    deleteEndpoint: async (arn) => {
      w.calls.push(`deleteEndpoint:${arn === ENDPOINT}`);
    },
    deleteAccount: async (deletion) => {
      w.calls.push('transaction');
      if (w.raceLost) throw new ProblemError('account_changed');
      w.deleted.push(deletion);
      w.account = undefined;
    },
    sweepAccount: async () => {
      w.calls.push('sweep');
      if (w.sweepFails) throw new Error('DynamoDB throttled');
      return 7;
    },
    now: () => NOW,
  };
  world = w;
});

describe('DELETE /v1/me', () => {
  it('checks the proof, takes the push out of SNS, shreds in one transaction, then sweeps', async () => {
    expect(await deleteAccount(identity, body, world.ports)).toEqual({ sweep: 'done' });
    expect(world.calls).toEqual([
      'proof:a.b.c:true',
      'unsubscribe:true',
      'deleteEndpoint:true',
      'transaction',
      'sweep',
    ]);
    expect(world.deleted).toEqual([
      {
        account: expect.objectContaining({ accountId: ACCOUNT }),
        challenge: CHALLENGE,
        at: NOW,
        removedEndpoint: ENDPOINT,
      },
    ]);
  });

  it('deletes an account without a push device', async () => {
    world.device = undefined;
    world.subscription = undefined;
    await deleteAccount(identity, body, world.ports);
    expect(world.calls).toEqual(['proof:a.b.c:true', 'transaction', 'sweep']);
    expect(world.deleted[0]?.removedEndpoint).toBeUndefined();
  });

  it.each(['challenge_invalid', 'proof_invalid'] as const)(
    'refuses a proof that is %s, changing nothing',
    async (code) => {
      world.proof = code;
      expect(await codeOf(deleteAccount(identity, body, world.ports))).toBe(code);
      expect(world.calls).toEqual(['proof:a.b.c:true']);
      expect(world.deleted).toEqual([]);
    },
  );

  it('refuses (401) a token of another generation, and an account already deleted, before any proof', async () => {
    expect(await codeOf(deleteAccount({ ...identity, tokenGeneration: 0 }, body, world.ports))).toBe(
      'unauthorized',
    );
    await deleteAccount(identity, body, world.ports);
    world.calls = [];
    expect(await codeOf(deleteAccount(identity, body, world.ports))).toBe('unauthorized');
    expect(world.calls).toEqual([]);
  });

  it('passes on a race lost in the transaction (409 account_changed), and does not sweep', async () => {
    world.raceLost = true;
    expect(await codeOf(deleteAccount(identity, body, world.ports))).toBe('account_changed');
    expect(world.calls.at(-1)).toBe('transaction');
  });

  it('answers a deletion whose sweep was interrupted as done for the person, marked incomplete', async () => {
    world.sweepFails = true;
    expect(await deleteAccount(identity, body, world.ports)).toEqual({
      sweep: 'incomplete',
      cause: new Error('DynamoDB throttled'),
    });
    expect(world.deleted).toHaveLength(1);
  });
});
