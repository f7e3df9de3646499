/**
 * Names of the environment variables through which infrastructure tells a function where its
 * resources are. The CDK house construct's `bindX` helpers and the local runtime set them; functions read
 * them through `config.ts`. Keeping the names in one module is what stops the three from drifting apart.
 */
export const ENV = {
  /** Set by Lambda (and the local runtime): the function's region. */
  region: 'AWS_REGION',
  stage: 'XID_STAGE',
  tableName: 'XID_TABLE_NAME',
  dataKeyId: 'XID_DATA_KEY_ID',
  /** The KMS key that wraps the token-signing keys (signers unwrap with it). */
  tokenKeyId: 'XID_TOKEN_KEY_ID',
  /** KMS HMAC key of the pairwise `sub` of Sign in with xID. */
  pairwiseKeyId: 'XID_PAIRWISE_KEY_ID',
  /** JSON of the published token keys, the signer first (auth/token-key-set.ts); every verifier. */
  tokenKeys: 'XID_TOKEN_KEYS',
  /** JSON of the signing key, its private key wrapped by KMS; the token issuers only. */
  tokenSigningKey: 'XID_TOKEN_SIGNING_KEY',
  /** KMS HMAC key from which the challenge MAC key is derived (stateless challenges). */
  challengeKeyId: 'XID_CHALLENGE_KEY_ID',
  mailFrom: 'XID_MAIL_FROM',
  mailConfigurationSet: 'XID_MAIL_CONFIGURATION_SET',
  publicBaseUrl: 'XID_PUBLIC_BASE_URL',
  /** Comma-separated sources (file path, https:// URL, s3://bucket/key) of trust anchor certificates. */
  trustAnchors: 'XID_TRUST_ANCHORS',
  /**
   * Comma-separated sources of CRLs (same forms); one ending in `/` is every object under that S3 prefix
   * (or, locally, every file in that folder): one per municipality partition is the production shape.
   */
  crlSources: 'XID_CRL_SOURCES',
  /** A CRL whose thisUpdate is older than this many hours is not used (the stage's `maxCrlAgeHours`). */
  maxCrlAgeHours: 'XID_MAX_CRL_AGE_HOURS',
  /**
   * Comma-separated sources (same forms) of the certificate linkage (J-LIS 証明書新旧紐付け情報 as a
   * platform operator delivers it, design.md §3.8); none: every re-verification goes by the items.
   */
  linkageSources: 'XID_LINKAGE_SOURCES',
  /** `true` where equal items may stand in for a missing link at re-verification (`reverification.itemMatch`). */
  reverificationItemMatch: 'XID_REVERIFICATION_ITEM_MATCH',
  /** `true` where certificates from test CAs (never J-LIS) may be accepted; never in prod. */
  allowTestAnchors: 'XID_ALLOW_TEST_ANCHORS',
  /** ARN prefix of the stage's notice topics, e.g. `arn:aws:sns:ap-northeast-1:123456789012:xid-dev`. */
  topicPrefix: 'XID_TOPIC_PREFIX',
  /** JSON map of push platform (APNS, APNS_SANDBOX, GCM) to SNS platform application ARN. */
  pushApplications: 'XID_PUSH_APPLICATIONS',
  /** KMS key that encrypts the push topics at rest. */
  topicKeyId: 'XID_TOPIC_KEY_ID',
  /** Name of the Secrets Manager secret that holds the alarm chat webhook's URL. */
  chatWebhookSecret: 'XID_CHAT_WEBHOOK_SECRET',
  /** Local mode only: the endpoint of the AWS stand-in (moto) and of the SES v2 stand-in. */
  localAwsEndpoint: 'XID_LOCAL_AWS_ENDPOINT',
  localSesEndpoint: 'XID_LOCAL_SES_ENDPOINT',
  /** `true` to count AWS calls per request (`shared/aws-calls.ts`): the local runtime sets it; off in AWS. */
  countAwsCalls: 'XID_COUNT_AWS_CALLS',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];
