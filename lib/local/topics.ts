import {
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  LOCAL_CREDENTIALS,
  type PlatformName,
  platformOf,
  topicArnPattern,
} from '../../functions/shared/names.ts';
import type { StageConfig } from '../config/stages.ts';
import type { LocalResources } from './provision.ts';

/** Platform → application ARN, as `XID_PUSH_APPLICATIONS` wants it. */
export function pushApplicationsOf(config: StageConfig, resources: LocalResources): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, arn] of Object.entries(resources.platformApplicationArns) as [PlatformName, string][]) {
    const sandbox = name === 'apns' ? Boolean(config.push.apns?.sandbox) : false;
    out[platformOf(name, sandbox)] = arn;
  }
  return out;
}

/**
 * Push topics are made by the API when the first resident of a municipality subscribes; the local runtime
 * notices them (every second) and subscribes its push gateway's `endpoint` over HTTP, as a platform would
 * receive them.
 */
export function watchPushTopics(awsEndpoint: string, region: string, topicPrefix: string, endpoint: string) {
  const sns = new SNSClient({ endpoint: awsEndpoint, region, credentials: LOCAL_CREDENTIALS });
  const pushPrefix = topicArnPattern(topicPrefix, 'push').replace(/\*$/, '');
  const known = new Set<string>();
  const run = async () => {
    try {
      let next: string | undefined;
      do {
        const page = await sns.send(new ListTopicsCommand({ NextToken: next }));
        for (const { TopicArn } of page.Topics ?? []) {
          if (!TopicArn?.startsWith(pushPrefix) || known.has(TopicArn)) continue;
          const subs = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
          if (!subs.Subscriptions?.some((s) => s.Endpoint === endpoint)) {
            await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: endpoint }));
          }
          known.add(TopicArn);
        }
        next = page.NextToken;
      } while (next);
    } catch {
      // moto is stopping, or not up yet: try again on the next tick
    }
  };
  // One pass at a time; `sync` waits for a full pass that started after it was called.
  let current: Promise<void> = Promise.resolve();
  const tick = () => {
    current = current.then(run);
    return current;
  };
  const timer = setInterval(() => void tick(), 1000);
  void tick();
  return {
    /** Subscribes the gateway to any new push topic now (the tests call it instead of waiting a second). */
    sync: tick,
    stop: () => clearInterval(timer),
  };
}
