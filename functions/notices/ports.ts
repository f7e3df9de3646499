import type { AccountRecord } from '../account/model.ts';
import type { ActivityEvent } from '../activity/model.ts';
import type { Municipality } from '../municipality/municipalities.ts';
import type { SubscriptionRecord } from '../push/model.ts';
import type { DeviceStorePorts, EndpointPorts } from '../push/ports.ts';
import type { CurrentTerms } from '../terms/legal-texts.ts';
import type { MunicipalityRecord, NoticeReceipt, StoredNotice } from './model.ts';
import type { Notice } from './notice.ts';

/**
 * What the notices function does with one SNS message from an ingest topic needs: the municipality of the
 * topic, storing the notice once, and one publish to the municipality's push topic.
 */
export interface NoticeIngestPorts {
  /** The onboarded municipality whose ingest topic this is (with its link domains), or undefined. */
  municipalityOfTopic(
    topicArn: string,
  ): Promise<{ code: string; name: string; domains: string[] } | undefined>;
  /** Stores the notice unless it exists; says whether it was already pushed. */
  storeOnce(
    code: string,
    notice: Notice,
    receivedAt: Date,
  ): Promise<'stored' | 'stored-earlier' | 'pushed-earlier'>;
  /** One publish to the municipality's push topic. */
  publishPush(code: string, message: string): Promise<void>;
  markPushed(code: string, noticeId: string, at: Date): Promise<void>;
  /** Keeps a receipt for a while (`npm run municipality -- receipts`, and `publish` waiting for it). */
  keepReceipt(code: string, receipt: NoticeReceipt): Promise<void>;
  /** Publishes a receipt to the municipality's receipts topic. */
  publishReceipt(code: string, receipt: NoticeReceipt): Promise<void>;
  now(): Date;
}

/** The list of a municipality's notices (public: the CDN path serves it without an account). */
export interface NoticePagePorts {
  /**
   * A page of a municipality's notices, newest first, after the opaque key of the last one seen. The
   * newest page comes from a short per-container cache (adapters/notice-store.ts `newestPageCache`).
   */
  noticePage(code: string, limit: number, after?: string): Promise<{ items: StoredNotice[]; next?: string }>;
}

/** The resident's side (guide step 9): municipality, subscription with its consents, the inbox. */
export interface ResidentNoticePorts
  extends Pick<DeviceStorePorts, 'device' | 'subscription' | 'deleteSubscription'>,
    Pick<EndpointPorts, 'subscribeEndpoint' | 'unsubscribe'>,
    NoticePagePorts {
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
  /** One notice of a municipality by its id; undefined when the municipality has no such notice. */
  notice(code: string, noticeId: string): Promise<StoredNotice | undefined>;
  currentTerms(): CurrentTerms;
  now(): Date;
}

/** The two topics onboarding makes per municipality. */
export type MunicipalityTopic = 'ingest' | 'receipts';

/** What an idempotent step did. */
export type Change = 'created' | 'updated' | 'unchanged';

/** What onboarding, offboarding, listing and publishing as a municipality need (DynamoDB, SNS, Lambda). */
export interface OnboardingPorts {
  municipalityRecord(code: string): Promise<MunicipalityRecord | undefined>;
  saveMunicipality(record: MunicipalityRecord): Promise<void>;
  deleteMunicipality(code: string): Promise<void>;
  municipalities(): Promise<MunicipalityRecord[]>;
  /**
   * Makes the municipality's topic of a kind, or brings an existing one to the policy (only the publisher
   * publishes to `ingest`, only the publisher may subscribe to `receipts`, TLS only) and to the stage's
   * notices key; says which it did.
   */
  ensureTopic(
    kind: MunicipalityTopic,
    municipality: Municipality,
    publisher: string,
  ): Promise<{ arn: string; change: Change }>;
  /** Ends every subscription of the topic and deletes it; whether there was one. */
  deleteTopic(kind: MunicipalityTopic, code: string): Promise<boolean>;
  /** The ARN of a municipality's topic of a kind (whether or not it exists). */
  topicArnOf(kind: MunicipalityTopic, code: string): string;
  /** The ARN of the stage's notices key, which encrypts every ingest and receipts topic. */
  noticesKeyArn(): Promise<string>;
  /** The municipality codes that have a topic of this kind in the stage. */
  topicCodes(kind: MunicipalityTopic): Promise<string[]>;
  /** Delivers the ingest topic's messages to the notices function (a Lambda subscription, or locally HTTP). */
  connectNoticesFunction(code: string): Promise<Change>;
  /** Whether the ingest topic delivers to the notices function. */
  noticesFunctionConnected(code: string): Promise<boolean>;
  /** Takes back the Lambda permission `connectNoticesFunction` gave (the subscription goes with the topic). */
  disconnectNoticesFunction(code: string): Promise<boolean>;
  /** Publishes a message to the municipality's ingest topic; SNS's message id. */
  publishToIngest(code: string, message: string): Promise<string>;
  /** The latest receipts of a municipality, newest first. */
  latestReceipts(code: string, limit: number): Promise<NoticeReceipt[]>;
  now(): Date;
  sleep(ms: number): Promise<void>;
}
