import {
  CreatePlatformEndpointCommand,
  CreateTopicCommand,
  EndpointDisabledException,
  GetEndpointAttributesCommand,
  InvalidParameterException,
  NotFoundException,
  PublishCommand,
  SetEndpointAttributesCommand,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import type { NoticeIngestPorts, ResidentNoticePorts } from '../notices/ports.ts';
import type { EndpointPorts } from '../push/ports.ts';
import { sns } from '../shared/clients.ts';
import { optional, required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { type PushPlatform, topicArn, topicName } from '../shared/names.ts';
import { ProblemError } from '../shared/problems.ts';

/**
 * SNS side of push: device endpoints in the platform applications, and the municipality push topics
 * (created on first use, subscribed to by device endpoints, published to once per notice).
 */
const isNotFound = (error: unknown) =>
  error instanceof NotFoundException || (error as { name?: string }).name === 'NotFound';

export function pushApplications(): Partial<Record<PushPlatform, string>> {
  return JSON.parse(optional(ENV.pushApplications) ?? '{}') as Partial<Record<PushPlatform, string>>;
}

/**
 * Makes sure the device has a working endpoint for its current token: creates one, or updates a known one
 * whose token changed or that SNS disabled (APNs/FCM said the token was invalid), or recreates a deleted one.
 */
export async function ensureEndpoint(applicationArn: string, token: string, known?: string): Promise<string> {
  if (known) {
    try {
      const { Attributes } = await sns().send(new GetEndpointAttributesCommand({ EndpointArn: known }));
      if (Attributes?.Token !== token || Attributes?.Enabled !== 'true') {
        await sns().send(
          new SetEndpointAttributesCommand({
            EndpointArn: known,
            Attributes: { Token: token, Enabled: 'true' },
          }),
        );
      }
      return known;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  let EndpointArn: string | undefined;
  try {
    ({ EndpointArn } = await sns().send(
      new CreatePlatformEndpointCommand({ PlatformApplicationArn: applicationArn, Token: token }),
    ));
  } catch (error) {
    // SNS refuses tokens the store would not take: that is the client's input, not our fault.
    if (error instanceof InvalidParameterException) {
      throw new ProblemError('invalid_request', 'The device token was refused', {
        errors: [{ pointer: '/token', detail: 'not a token of this platform' }],
      });
    }
    throw error;
  }
  if (!EndpointArn) throw new Error('SNS returned no endpoint');
  return EndpointArn;
}

/** Whether SNS still considers an endpoint deliverable (it disables endpoints whose token the store rejected). */
export async function endpointEnabled(endpointArn: string): Promise<boolean> {
  try {
    const { Attributes } = await sns().send(new GetEndpointAttributesCommand({ EndpointArn: endpointArn }));
    return Attributes?.Enabled === 'true';
  } catch (error) {
    // A deleted endpoint delivers nothing; an SNS outage is not the resident's "not registered".
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** The municipality's push topic, created on first use (CreateTopic is idempotent by name), encrypted. */
export async function ensurePushTopic(code: string): Promise<string> {
  const keyId = optional(ENV.topicKeyId);
  const { TopicArn } = await sns().send(
    new CreateTopicCommand({
      Name: topicName(required(ENV.topicPrefix), 'push', code),
      Attributes: keyId ? { KmsMasterKeyId: keyId } : {},
      Tags: [{ Key: 'municipality', Value: code }],
    }),
  );
  if (!TopicArn) throw new Error('SNS returned no topic');
  return TopicArn;
}

export async function subscribeEndpoint(topicArn: string, endpointArn: string): Promise<string> {
  const { SubscriptionArn } = await sns().send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'application',
      Endpoint: endpointArn,
      ReturnSubscriptionArn: true,
    }),
  );
  if (!SubscriptionArn) throw new Error('SNS returned no subscription');
  return SubscriptionArn;
}

export async function unsubscribe(subscriptionArn: string): Promise<void> {
  try {
    await sns().send(new UnsubscribeCommand({ SubscriptionArn: subscriptionArn }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** One publish of a notice's push message to the municipality's push topic (`MessageStructure: json`). */
export async function publishPush(code: string, message: string): Promise<void> {
  await sns().send(
    new PublishCommand({
      TopicArn: topicArn(required(ENV.topicPrefix), 'push', code),
      Message: message,
      MessageStructure: 'json',
    }),
  );
}

/**
 * One push to one device endpoint (a resident's own phone, not a topic). A disabled or deleted endpoint is
 * not an error: the app also lists what it would have been told.
 */
export async function publishToEndpoint(endpointArn: string, message: string): Promise<boolean> {
  try {
    await sns().send(
      new PublishCommand({ TargetArn: endpointArn, Message: message, MessageStructure: 'json' }),
    );
    return true;
  } catch (error) {
    if (error instanceof EndpointDisabledException || isNotFound(error)) return false;
    throw error;
  }
}

/** The SNS push adapter, as the push and notices use cases see it. */
export const snsPush = {
  applications: pushApplications,
  ensureEndpoint,
  subscribeEndpoint,
  unsubscribe,
  endpointEnabled,
  ensurePushTopic,
  publishPush,
} satisfies EndpointPorts &
  Pick<ResidentNoticePorts, 'endpointEnabled' | 'ensurePushTopic'> &
  Pick<NoticeIngestPorts, 'publishPush'>;
