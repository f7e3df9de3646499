import type { ActivityEvent } from '../activity/model.ts';
import type { PushPlatform } from '../shared/names.ts';
import type { DeviceRecord, SubscriptionRecord } from './model.ts';

/** The stored device and subscription of an account (DynamoDB). */
export interface DeviceStorePorts {
  device(accountId: string): Promise<DeviceRecord | undefined>;
  /**
   * The device and the endpoint → account index, and `activity` when given, together; only while the
   * endpoint belongs to no other account (`push_token_in_use` otherwise, having written nothing).
   */
  saveDevice(accountId: string, device: DeviceRecord, at: Date, activity?: ActivityEvent): Promise<void>;
  /**
   * Removes the account's device, its endpoint → account index and its notice subscription, and records
   * `activity`, together (the SNS side is the caller's). Nothing when the device is no longer `endpointArn`.
   */
  removeDevice(accountId: string, endpointArn: string, activity: ActivityEvent): Promise<void>;
  /** Drops the endpoint → account index of an endpoint the account no longer uses (if it is still the owner). */
  releaseEndpoint(accountId: string, endpointArn: string): Promise<void>;
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
   * The endpoint of a device token in a platform application: the one SNS already has for that token, or
   * a new one (SNS keeps at most one per token and application). `invalid_request` when the platform
   * refuses the token. Never changes which token an existing endpoint delivers to.
   */
  endpointFor(applicationArn: string, token: string): Promise<string>;
  /** Re-enables an endpoint that SNS disabled (the store had refused an older token); false if it is gone. */
  enableEndpoint(endpointArn: string): Promise<boolean>;
  /** Deletes an endpoint; one already gone is fine. */
  deleteEndpoint(endpointArn: string): Promise<void>;
  subscribeEndpoint(topicArn: string, endpointArn: string): Promise<string>;
  /** Ends a subscription; one that is already gone is fine. */
  unsubscribe(subscriptionArn: string): Promise<void>;
}

/** What `PUT /v1/me/push` needs. */
export interface PushPorts extends DeviceStorePorts, EndpointPorts {
  accountExists(accountId: string): Promise<boolean>;
  now(): Date;
}

/** What `DELETE /v1/me/push` needs. */
export type PushReleasePorts = Pick<
  PushPorts,
  'device' | 'subscription' | 'removeDevice' | 'unsubscribe' | 'deleteEndpoint' | 'now'
>;

/** What the push endpoint-events consumer needs. */
export type EndpointEventPorts = Pick<
  PushPorts,
  'endpointOwner' | 'device' | 'saveDevice' | 'subscription' | 'deleteSubscription' | 'unsubscribe' | 'now'
>;
