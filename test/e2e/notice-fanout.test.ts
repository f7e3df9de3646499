import { randomBytes } from 'node:crypto';
import { ListSubscriptionsByTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#functions/shared/env';
import { LOCAL_CREDENTIALS, topicArn } from '#functions/shared/names';
import { runCommand } from '#lib/local/commands';
import { LocalInvocations, publishToIngest } from '#test/harness/aws-calls';
import { startWorld, type World } from './world.ts';

/**
 * A notice costs the same AWS calls whether one device or ten thousand are subscribed to the
 * municipality's push topic (design.md §3.5: SNS fans out, the function publishes once). The ten thousand
 * are one real device endpoint and 9,999 SMS subscriptions, which moto accepts without a platform endpoint
 * each; the notices function cannot tell them apart from devices, and must not need to.
 */
let world: World;
let sns: SNSClient;
let invocations: LocalInvocations;
const CODE = '131091';

beforeAll(async () => {
  world = await startWorld(async () => ({ XID_ISOLATE: 'notices' }));
  invocations = new LocalInvocations(world.runtime.apiUrl);
  const env = world.runtime.record.environment;
  sns = new SNSClient({
    endpoint: env[ENV.localAwsEndpoint],
    region: env.AWS_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  await runCommand(
    'bin/municipality.ts',
    ['onboard', CODE, '--publisher', 'arn:aws:iam::210987654321:role/shinagawa-notices'],
    { ...process.env, XID_LOCAL_DIR: world.runtime.stateDir },
  );
  // One resident with a real device endpoint, subscribed through the API.
  const phone = await world.activePhone({ address: '東京都品川区広町2-1-36' });
  const token = phone.accessToken as string;
  await world.api.registerPush(token, 'APNS_SANDBOX', randomBytes(32).toString('hex'));
  const terms = await world.api.getTerms();
  await world.api.subscribeNotices(token, {
    termsVersion: terms.terms.version,
    privacyPolicyVersion: terms.privacyPolicy.version,
  });
}, 180_000);

afterAll(async () => {
  sns?.destroy();
  await world?.stop();
});

const prefix = () => world.runtime.record.environment[ENV.topicPrefix] as string;

async function publishNotice(): Promise<void> {
  await publishToIngest(sns, world.runtime.record.environment, CODE);
}

/** Devices (and stand-ins for devices) on the push topic: not the local runtime's own HTTP subscription. */
async function subscribers(): Promise<number> {
  let count = 0;
  let NextToken: string | undefined;
  do {
    const page = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topicArn(prefix(), 'push', CODE), NextToken }),
    );
    count += (page.Subscriptions ?? []).filter((s) => s.Protocol !== 'http').length;
    NextToken = page.NextToken;
  } while (NextToken);
  return count;
}

describe('a notice received', () => {
  it('makes the same AWS calls with 1 or 10,000 subscribed devices', async () => {
    await publishNotice(); // the cold start, set aside
    await publishNotice();
    const [cold, one] = await invocations.waitFor('notices', 2);
    expect(cold?.cold).toBe(true);
    expect(await subscribers()).toBe(1);

    const TopicArn = topicArn(prefix(), 'push', CODE);
    let next = 0;
    const subscribe = async () => {
      while (next < 9_999) {
        const n = next++;
        await sns.send(
          new SubscribeCommand({ TopicArn, Protocol: 'sms', Endpoint: `+8190${String(n).padStart(8, '0')}` }),
        );
      }
    };
    await Promise.all(Array.from({ length: 16 }, subscribe));
    expect(await subscribers()).toBe(10_000);

    await publishNotice();
    const [, , many] = await invocations.waitFor('notices', 3, 120_000);
    expect(one?.calls).toEqual({
      'DynamoDB:GetItem': 1,
      'DynamoDB:TransactWriteItems': 1,
      'DynamoDB:UpdateItem': 1,
      // The municipality's receipt (issue 16): kept (PutItem) and published to its receipts topic, beside
      // the one push publish.
      'DynamoDB:PutItem': 1,
      'SNS:Publish': 2,
    });
    expect(many?.calls).toEqual(one?.calls);
    expect(many?.failed).toBe(false);
  }, 600_000);
});
