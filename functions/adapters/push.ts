import type { NoticeIngestPorts, ResidentNoticePorts } from '../notices/ports.ts';
import type { EndpointPorts } from '../push/ports.ts';
import { optional, required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { type PushPlatform, topicArn, topicName } from '../shared/names.ts';
import { ProblemError } from '../shared/problems.ts';
import {
  CreatePlatformEndpointCommand,
  CreateTopicCommand,
  DeleteEndpointCommand,
  GetEndpointAttributesCommand,
  isSnsError,
  PublishCommand,
  SetEndpointAttributesCommand,
  SubscribeCommand,
  snsClient,
  UnsubscribeCommand,
} from './sns-client.ts';

/**
 * SNS side of push: device endpoints in the platform applications, and the municipality push topics
 * (created on first use, subscribed to by device endpoints, published to once per notice).
 */
const isNotFound = (error: unknown) => isSnsError(error, 'NotFound');

export function pushApplications(): Partial<Record<PushPlatform, string>> {
  return JSON.parse(optional(ENV.pushApplications) ?? '{}') as Partial<Record<PushPlatform, string>>;
}

/** How SNS names the endpoint that already holds a token (AWS's documented pattern for this case). */
const EXISTING_ENDPOINT = /Endpoint (arn:aws[a-z-]*:sns[^ ]+) already exists with the same [Tt]oken/;

/**
 * The endpoint of a device token: CreatePlatformEndpoint is idempotent per token and application, and
 * when the existing endpoint's attributes differ (it was disabled) SNS refuses and names it instead, as AWS
 * documents. An existing endpoint is never given another token.
 */
export async function endpointFor(applicationArn: string, token: string): Promise<string> {
  let EndpointArn: string | undefined;
  try {
    ({ EndpointArn } = await snsClient.send(
      new CreatePlatformEndpointCommand({ PlatformApplicationArn: applicationArn, Token: token }),
    ));
  } catch (error) {
    if (isSnsError(error, 'InvalidParameter')) {
      const existing = EXISTING_ENDPOINT.exec((error as Error).message)?.[1];
      if (existing) return existing;
      // SNS refuses tokens the store would not take: that is the client's input, not our fault.
      throw new ProblemError('invalid_request', 'The device token was refused', {
        errors: [{ pointer: '/token', detail: 'not a token of this platform' }],
      });
    }
    throw error;
  }
  if (!EndpointArn) throw new Error('SNS returned no endpoint');
  return EndpointArn;
}

/**
 * Re-enables an endpoint that SNS disabled (after the store refused an older token of the device); false
 * when the endpoint is gone (deleted meanwhile).
 */
export async function enableEndpoint(endpointArn: string): Promise<boolean> {
  let enabled: string | undefined;
  try {
    const { Attributes } = await snsClient.send(
      new GetEndpointAttributesCommand({ EndpointArn: endpointArn }),
    );
    enabled = Attributes?.Enabled;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
  if (enabled !== 'true') {
    await snsClient.send(
      new SetEndpointAttributesCommand({ EndpointArn: endpointArn, Attributes: { Enabled: 'true' } }),
    );
  }
  return true;
}

/** Deletes an endpoint (DeleteEndpoint is idempotent: one already gone is fine). */
export async function deleteEndpoint(endpointArn: string): Promise<void> {
  try {
    await snsClient.send(new DeleteEndpointCommand({ EndpointArn: endpointArn }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** Whether SNS still considers an endpoint deliverable (it disables endpoints whose token the store rejected). */
export async function endpointEnabled(endpointArn: string): Promise<boolean> {
  try {
    const { Attributes } = await snsClient.send(
      new GetEndpointAttributesCommand({ EndpointArn: endpointArn }),
    );
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
  const { TopicArn } = await snsClient.send(
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
  const { SubscriptionArn } = await snsClient.send(
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
    await snsClient.send(new UnsubscribeCommand({ SubscriptionArn: subscriptionArn }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** One publish of a notice's push message to the municipality's push topic (`MessageStructure: json`). */
export async function publishPush(code: string, message: string): Promise<void> {
  try {
    await snsClient.send(
      new PublishCommand({
        TopicArn: topicArn(required(ENV.topicPrefix), 'push', code),
        Message: message,
        MessageStructure: 'json',
      }),
    );
  } catch (error) {
    // The push topic is made when the municipality's first resident subscribes: until then no device
    // is there to push to, and the notice is still stored (and listed) as accepted.
    if (isNotFound(error)) return;
    throw error;
  }
}

/**
 * One push to one device endpoint (a resident's own phone, not a topic). A disabled or deleted endpoint is
 * not an error: the app also lists what it would have been told.
 */
export async function publishToEndpoint(endpointArn: string, message: string): Promise<boolean> {
  try {
    await snsClient.send(
      new PublishCommand({ TargetArn: endpointArn, Message: message, MessageStructure: 'json' }),
    );
    return true;
  } catch (error) {
    if (isSnsError(error, 'EndpointDisabled') || isNotFound(error)) return false;
    throw error;
  }
}

/** The SNS push adapter, as the push and notices use cases see it. */
export const snsPush = {
  applications: pushApplications,
  endpointFor,
  enableEndpoint,
  deleteEndpoint,
  subscribeEndpoint,
  unsubscribe,
  endpointEnabled,
  ensurePushTopic,
  publishPush,
} satisfies EndpointPorts &
  Pick<ResidentNoticePorts, 'endpointEnabled' | 'ensurePushTopic'> &
  Pick<NoticeIngestPorts, 'publishPush'>;
