import type { PushPlatform } from '../shared/names.ts';

/** A resident's push device: its platform endpoint and whether SNS still delivers to it. */
export interface DeviceRecord {
  platform: PushPlatform;
  endpointArn: string;
  /** SHA-256 of the device token (the token itself is only in SNS). */
  tokenSha256: string;
  enabled: boolean;
}

/** A resident's subscription of their device endpoint to their municipality's push topic. */
export interface SubscriptionRecord {
  code: string;
  topicArn: string;
  subscriptionArn: string;
  endpointArn: string;
}
