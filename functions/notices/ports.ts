import type { AccountRecord } from '../account/model.ts';
import type { ActivityEvent } from '../activity/model.ts';
import type { Municipality } from '../municipality/municipalities.ts';
import type { SubscriptionRecord } from '../push/model.ts';
import type { DeviceStorePorts, EndpointPorts } from '../push/ports.ts';
import type { CurrentTerms } from '../terms/legal-texts.ts';
import type { MunicipalityRecord, StoredNotice } from './model.ts';
import type { Notice } from './notice.ts';

/**
 * What the notices function does with one SNS message from an ingest topic needs: the municipality of the
 * topic, storing the notice once, and one publish to the municipality's push topic.
 */
export interface NoticeIngestPorts {
  /** The onboarded municipality whose ingest topic this is, or undefined. */
  municipalityOfTopic(topicArn: string): Promise<{ code: string; name: string } | undefined>;
  /** Stores the notice unless it exists; says whether it was already pushed. */
  storeOnce(
    code: string,
    notice: Notice,
    receivedAt: Date,
  ): Promise<'stored' | 'stored-earlier' | 'pushed-earlier'>;
  /** One publish to the municipality's push topic. */
  publishPush(code: string, message: string): Promise<void>;
  markPushed(code: string, noticeId: string, at: Date): Promise<void>;
  now(): Date;
}

/** The resident's side (guide step 9): municipality, subscription with its consents, the inbox. */
export interface ResidentNoticePorts
  extends Pick<DeviceStorePorts, 'device' | 'subscription' | 'deleteSubscription'>,
    Pick<EndpointPorts, 'subscribeEndpoint' | 'unsubscribe'> {
  account(accountId: string): Promise<AccountRecord | undefined>;
  /** The onboarding record of a municipality; undefined when it does not publish through xID. */
  municipalityRecord(code: string): Promise<MunicipalityRecord | undefined>;
  /** Whether SNS still delivers to the endpoint (it disables those whose token the store refused). */
  endpointEnabled(endpointArn: string): Promise<boolean>;
  /** The municipality's push topic, created on first use. */
  ensurePushTopic(code: string): Promise<string>;
  /** The subscription and the consents it was given with, and `activity` when given, together. */
  recordSubscription(
    accountId: string,
    subscription: SubscriptionRecord,
    consents: { kind: string; version: string }[],
    at: Date,
    activity?: ActivityEvent,
  ): Promise<void>;
  /** A page of a municipality's notices, newest first, after the opaque key of the last one seen. */
  noticePage(code: string, limit: number, after?: string): Promise<{ items: StoredNotice[]; next?: string }>;
  /** One notice of a municipality by its id; undefined when the municipality has no such notice. */
  notice(code: string, noticeId: string): Promise<StoredNotice | undefined>;
  currentTerms(): CurrentTerms;
  now(): Date;
}

/** What onboarding and offboarding a municipality need (DynamoDB, SNS, KMS, Lambda). */
export interface OnboardingPorts {
  municipalityRecord(code: string): Promise<MunicipalityRecord | undefined>;
  saveMunicipality(record: MunicipalityRecord): Promise<void>;
  deleteMunicipality(code: string): Promise<void>;
  municipalities(): Promise<MunicipalityRecord[]>;
  /** The topic's own KMS key, whose policy lets the publisher use it through SNS; its ARN. */
  createIngestKey(municipality: Municipality, publisher: string): Promise<string>;
  /** Schedules the key for deletion, if there is one. */
  deleteIngestKey(code: string): Promise<void>;
  /** The ingest topic with its policy (only the publisher publishes, TLS only) and key; its ARN. */
  createIngestTopic(municipality: Municipality, publisher: string, keyArn: string): Promise<string>;
  /** Ends every subscription of the topic and deletes it. */
  deleteIngestTopic(code: string): Promise<void>;
  /** Delivers the topic's messages to the notices function (a Lambda subscription, or locally HTTP). */
  connectNoticesFunction(topicArn: string): Promise<void>;
  disconnectNoticesFunction(topicArn: string): Promise<void>;
  /** Publishes a message to the municipality's ingest topic; SNS's message id. */
  publishToIngest(code: string, message: string): Promise<string | undefined>;
  now(): Date;
}
