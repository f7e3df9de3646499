/**
 * Names derived from a stage and its resources, in one place. The CDK stacks, the local runtime, the CLIs
 * in `bin/`, the functions and the tests all compute topic names, platform keys, the Bearer pattern and
 * the like from here, so that none of them can drift from the others.
 */

/** A resource name unique per stage, for names that must be known before deployment (`xid-dev-mail`). */
export function resourceName(stage: string, name: string): string {
  return `xid-${stage}-${name}`;
}

/**
 * The name of a stage's function (`xid-prod-notices`), fixed so that alarms, the dashboard, the runbook and
 * an operator's `aws logs tail` can name it without a lookup; its log group is Lambda's default for it.
 */
export const functionName = (stage: string, id: string) => resourceName(stage, id);
export const functionLogGroupName = (stage: string, id: string) => `/aws/lambda/${functionName(stage, id)}`;

/** The REST API's name (the `ApiName` dimension of its metrics) and its one stage. */
export const apiName = (stage: string) => `xid-${stage}`;
export const API_STAGE_NAME = 'live';
/** The metric name of the API's web ACL (the `WebACL` dimension of its WAF metrics). */
export const webAclMetricName = (stage: string) => resourceName(stage, 'api');

/** The name part of a stage's topic prefix (`xid-dev`); topic ARNs append `-ingest-<code>` / `-push-<code>`. */
export const topicPrefixName = (stage: string) => `xid-${stage}`;

/**
 * Topics of a stage, from its prefix (`XID_TOPIC_PREFIX`: the ARN of a topic without its name's suffix,
 * e.g. `arn:aws:sns:ap-northeast-1:123456789012:xid-dev`). Each municipality has an *ingest* topic that its
 * publisher alone may publish to, a *receipts* topic that its publisher may subscribe to, and a *push* topic
 * that the residents' device endpoints subscribe to.
 */
export type TopicKind = 'ingest' | 'receipts' | 'push';

const namePart = (prefix: string) => prefix.split(':').at(-1) as string;
const arnBase = (prefix: string) => prefix.split(':').slice(0, -1).join(':');

export const topicName = (prefix: string, kind: TopicKind, code: string) =>
  `${namePart(prefix)}-${kind}-${code}`;
export const topicArn = (prefix: string, kind: TopicKind, code: string) =>
  `${arnBase(prefix)}:${topicName(prefix, kind, code)}`;
/** Every topic of a kind in a stage, as an IAM resource pattern. */
export const topicArnPattern = (prefix: string, kind: TopicKind) => `${prefix}-${kind}-*`;

/** The municipality code of an ingest topic of this stage, or undefined for any other ARN. */
export function municipalityOfIngestTopic(prefix: string, arn: string): string | undefined {
  return municipalityOfTopic(prefix, 'ingest', arn);
}

/** The municipality code of a topic of a kind of this stage, or undefined for any other ARN. */
export function municipalityOfTopic(prefix: string, kind: TopicKind, arn: string): string | undefined {
  const code = /^\d{6}$/.exec(arn.slice(topicArn(prefix, kind, '').length))?.[0];
  return code && topicArn(prefix, kind, code) === arn ? code : undefined;
}

/** The account id in an ARN. */
export const accountOfArn = (arn: string) => arn.split(':')[4] ?? '';

/** SNS platform of a push device: APNs (production or sandbox) or FCM (which SNS calls GCM). */
export type PushPlatform = 'APNS' | 'APNS_SANDBOX' | 'GCM';

/** The push stores a stage may configure, and the SNS platform each maps to. */
export const PLATFORM_APPLICATIONS = {
  apns: { platforms: { sandbox: 'APNS_SANDBOX', production: 'APNS' } },
  fcm: { platforms: { sandbox: 'GCM', production: 'GCM' } },
} as const satisfies Record<string, { platforms: Record<'sandbox' | 'production', PushPlatform> }>;

export type PlatformName = keyof typeof PLATFORM_APPLICATIONS;

/** The SNS platform of a configured store. */
export const platformOf = (name: PlatformName, sandbox = false): PushPlatform =>
  PLATFORM_APPLICATIONS[name].platforms[sandbox ? 'sandbox' : 'production'];

/** The SNS platform (`APNS`, `APNS_SANDBOX`, `GCM`) of each configured store. */
export function pushPlatformKeys(push: {
  apns?: { sandbox: boolean };
  fcm?: unknown;
}): Partial<Record<PlatformName, PushPlatform>> {
  return {
    ...(push.apns ? { apns: platformOf('apns', push.apns.sandbox) } : {}),
    ...(push.fcm ? { fcm: platformOf('fcm') } : {}),
  };
}

/** An `Authorization` header with a bearer JWT; the token is the first group. */
export const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;
/** The same pattern without its group, as API Gateway's authorizer `validationRegex` takes it. */
export const BEARER_VALIDATION_REGEX = BEARER.source.replace('(', '').replace(')', '');

/** How long API Gateway (and the local gateway) keep an authorizer's answer for a token. */
export const AUTHORIZER_CACHE_SECONDS = 300;

/** Credentials the local AWS stand-ins accept; never real ones. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** The account moto puts every resource in. */
export const MOTO_ACCOUNT = '123456789012';

/** The SES message tag that ties bounce and complaint events back to an account (never the address). */
export const MAIL_ACCOUNT_TAG = 'xid-account';

/** The log line that a metric filter counts as `AwsThrottles` by `awsService` (lib/constructs/observability.ts). */
export const THROTTLED_LOG_MESSAGE = 'aws throttled';
