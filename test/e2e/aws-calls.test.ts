import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#functions/shared/env';
import { LOCAL_CREDENTIALS } from '#functions/shared/names';
import { runCommand } from '#lib/local/commands';
import { callsTo, dynamoReads, LocalInvocations, publishToIngest } from '#test/harness/aws-calls';
import { PIN1, PIN2, startWorld, type World } from './world.ts';

/**
 * What each operation costs in AWS calls (issue 18, design.md §7), counted by the SDK middleware the
 * local runtime switches on. The measured functions run in their own containers, so a first invocation
 * is a cold start and the ones after it are warm, as in Lambda. These tests fail when a change adds a
 * call to a budget.
 */
const MEASURED = [
  'notices',
  'postRegistration',
  'postActivation',
  'postSession',
  'getMe',
  'getNotices',
  'getMunicipalityNotices',
  'authorizer',
];
const SHINAGAWA = '東京都品川区広町2-1-36';

let world: World;
let invocations: LocalInvocations;

beforeAll(async () => {
  world = await startWorld(async () => ({ XID_ISOLATE: MEASURED.join(',') }));
  invocations = new LocalInvocations(world.runtime.apiUrl);
  await runCommand(
    'bin/municipality.ts',
    ['onboard', '131091', '--publisher', 'arn:aws:iam::210987654321:role/shinagawa-notices'],
    { ...process.env, XID_LOCAL_DIR: world.runtime.stateDir },
  );
}, 180_000);

afterAll(async () => {
  await world?.stop();
});

/** Fresh containers and an empty record: the next invocation of each measured function is cold. */
async function coldStart(): Promise<void> {
  await invocations.recycle();
  await invocations.clear();
}

describe('AWS calls per operation', () => {
  it('notice_received: a notice before anyone subscribed is stored and pushes to nobody, without failing', async () => {
    await invocations.clear();
    const sns = new SNSClient({
      endpoint: world.runtime.record.environment[ENV.localAwsEndpoint],
      region: world.runtime.record.environment.AWS_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    await publishToIngest(sns, world.runtime.record.environment, '131091');
    sns.destroy();
    const [run] = await invocations.waitFor('notices', 1);
    expect(run?.failed).toBe(false);
    expect(run?.calls).toEqual({
      'DynamoDB:GetItem': 1,
      'DynamoDB:TransactWriteItems': 1,
      'DynamoDB:UpdateItem': 1,
      // The municipality's receipt (issue 16): kept (PutItem) and published to its receipts topic, beside
      // the one push publish.
      'DynamoDB:PutItem': 1,
      'SNS:Publish': 2,
    });
  });

  it('register: one KMS GenerateDataKey, one DynamoDB transaction, at most two reads, cold and warm', async () => {
    await coldStart();
    await world.registeredPhone({ address: SHINAGAWA });
    await world.registeredPhone({ address: SHINAGAWA });
    const [cold, warm] = await invocations.of('postRegistration');
    for (const run of [cold, warm]) {
      const calls = run?.calls ?? {};
      expect(calls['KMS:GenerateDataKey'], JSON.stringify(calls)).toBe(1);
      expect(calls['DynamoDB:TransactWriteItems']).toBe(1);
      expect(dynamoReads(calls)).toBeLessThanOrEqual(2);
      const expected = ['DynamoDB:GetItem', 'DynamoDB:TransactWriteItems', 'KMS:GenerateDataKey'];
      // A new container derives its challenge MAC key once (KMS GenerateMac; stateless challenges).
      if (run === cold) expected.push('KMS:GenerateMac');
      expect(Object.keys(calls).filter((name) => !expected.includes(name))).toEqual([]);
    }
    expect(cold?.calls['KMS:GenerateMac']).toBe(1);
    expect([cold?.cold, warm?.cold]).toEqual([true, false]);
  });

  it('activate: no KMS call when warm, one KMS Decrypt (the signing key) when cold', async () => {
    const phones = [await world.registeredPhone({ address: SHINAGAWA }), await world.registeredPhone()];
    await coldStart();
    for (const phone of phones) await phone.activate(world.api, PIN1, PIN2);
    const [cold, warm] = await invocations.of('postActivation');
    expect(callsTo('KMS', cold?.calls ?? {})).toEqual({ 'KMS:Decrypt': 1 });
    expect(callsTo('KMS', warm?.calls ?? {})).toEqual({});
    expect(warm?.cold).toBe(false);
  });

  it('login: no KMS call when warm; when cold, one KMS Decrypt (the signing key) and one GenerateMac (the challenge key)', async () => {
    const phones = [await world.activePhone({ address: SHINAGAWA }), await world.activePhone()];
    await coldStart();
    for (const phone of [...phones, ...phones]) await phone.login(world.api, PIN1);
    const logins = await invocations.of('postSession');
    expect(logins).toHaveLength(4);
    expect(callsTo('KMS', logins[0]?.calls ?? {})).toEqual({ 'KMS:Decrypt': 1, 'KMS:GenerateMac': 1 });
    for (const warm of logins.slice(1)) {
      expect(warm.cold).toBe(false);
      expect(callsTo('KMS', warm.calls)).toEqual({});
    }
  });

  it('authorizer: no AWS call at all, cold or warm', async () => {
    const phones = [await world.activePhone(), await world.activePhone()];
    await coldStart();
    for (const phone of phones) await world.api.me(phone.accessToken as string);
    const runs = await invocations.of('authorizer');
    expect(runs.map((r) => r.cold)).toEqual([true, false]);
    for (const run of runs) expect(run.calls).toEqual({});
  });

  it('me: at most one DynamoDB read when warm, and one KMS Decrypt per account per container', async () => {
    const [a, b] = [await world.activePhone(), await world.activePhone()];
    await coldStart();
    for (const phone of [a, a, a, b, b, a]) await world.api.me(phone?.accessToken as string);
    const runs = await invocations.of('getMe');
    expect(runs).toHaveLength(6);
    for (const run of runs) expect(dynamoReads(run.calls), JSON.stringify(run.calls)).toBeLessThanOrEqual(1);
    // The data key of each account is unwrapped once (and kept for five minutes).
    expect(runs.map((r) => r.calls['KMS:Decrypt'] ?? 0)).toEqual([1, 0, 0, 1, 0, 0]);
  });

  it('notices: one DynamoDB read per municipality and container for 30 seconds, whoever asks, besides the resident’s own account', async () => {
    const residents = await Promise.all(
      Array.from({ length: 4 }, () => world.activePhone({ address: SHINAGAWA })),
    );
    await coldStart();
    for (const phone of [...residents, ...residents]) await world.api.notices(phone.accessToken as string);
    const runs = await invocations.of('getNotices');
    expect(runs).toHaveLength(8);
    const reads = runs.map((r) => r.calls);
    // Each request reads its own account item once (the token generation, which a recovery or a deletion
    // changes, and the current municipality: docs/api.md, Revocation). Those reads spread over the accounts'
    // partitions; the municipality's one partition is read once per container and 30 seconds.
    expect(reads[0]).toEqual({ 'DynamoDB:GetItem': 1, 'DynamoDB:Query': 1 });
    for (const warm of reads.slice(1)) expect(warm).toEqual({ 'DynamoDB:GetItem': 1 });
    // The public path of the CDN costs the same: one read per municipality per 30 seconds.
    for (let i = 0; i < 3; i++) await world.api.request('GET', '/v1/municipalities/131091/notices');
    const open = await invocations.of('getMunicipalityNotices');
    expect(open.map((r) => dynamoReads(r.calls))).toEqual([1, 0, 0]);
  });
});
