import type { ActivityEvent } from '../activity/model.ts';
import type { PushPlatform } from '../shared/names.ts';
import type { DeviceRecord, SubscriptionRecord } from './model.ts';

/** The stored device and subscription of an account (DynamoDB). */
export interface DeviceStorePorts {
  device(accountId: string): Promise<DeviceRecord | undefined>;
  /** The device and the endpoint → account index, and `activity` when given, together. */
  saveDevice(accountId: string, device: DeviceRecord, at: Date, activity?: ActivityEvent): Promise<void>;
  /** Which account a platform endpoint belongs to. */
  endpointOwner(endpointArn: string): Promise<string | undefined>;
  subscription(accountId: string): Promise<SubscriptionRecord | undefined>;
  saveSubscription(accountId: string, subscription: SubscriptionRecord): Promise<void>;
  /** Deletes the subscription, and records `activity` when given, together. */
  deleteSubscription(accountId: string, activity?: ActivityEvent): Promise<void>;
}

/** Device endpoints and topic subscriptions (SNS). */
export interface EndpointPorts {
  /** The platform application of each configured push platform. */
  applications(): Partial<Record<PushPlatform, string>>;
  /**
   * A working endpoint for the device's current token: the known one updated (new token, re-enabled), or
   * a new one. `invalid_request` when the platform refuses the token.
   */
  ensureEndpoint(applicationArn: string, token: string, known?: string): Promise<string>;
  subscribeEndpoint(topicArn: string, endpointArn: string): Promise<string>;
  /** Ends a subscription; one that is already gone is fine. */
  unsubscribe(subscriptionArn: string): Promise<void>;
}

/** What `PUT /v1/me/push` needs. */
export interface PushPorts extends DeviceStorePorts, EndpointPorts {
  accountExists(accountId: string): Promise<boolean>;
  now(): Date;
}

/** What the push endpoint-events consumer needs. */
export type EndpointEventPorts = Pick<
  PushPorts,
  'endpointOwner' | 'device' | 'saveDevice' | 'subscription' | 'deleteSubscription' | 'unsubscribe' | 'now'
>;
