import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import {
  pushPlatformKeys,
  resourceName,
  topicArnPattern,
  topicPrefixName,
} from '../../functions/shared/names.ts';
import { acknowledge } from '../acknowledge.ts';
import type { StageConfig } from '../config/stages.ts';
import { DeadLetters } from '../constructs/dead-letters.ts';
import type { StatefulResources } from '../constructs/house-function.ts';
import { AlarmTopic } from '../constructs/observability.ts';
import { PlatformApplications } from '../constructs/platform-applications.ts';
import { KEYS, type KeyName, TABLE } from '../resources.ts';

export interface StatefulStackProps extends StackProps {
  config: StageConfig;
}

/**
 * Everything that holds data or identity and must outlive a redeployment of the code: the table, the KMS
 * keys, the SES identity and configuration set, the push platform applications, and the stage's alarm topic
 * (its subscribers confirm once; it must not churn). Retained in production.
 */
export class StatefulStack extends Stack {
  public readonly table: dynamodb.TableV2;
  /** Encrypts the table (and other stores at rest) under our control. */
  public readonly storageKey: kms.Key;
  /** Envelope encryption of personal fields. */
  public readonly dataKey: kms.Key;
  /** Wraps the token-signing keys (their private keys exist at rest only as ciphertext under it). */
  public readonly tokenKey: kms.Key;
  /** Encrypts the municipalities' ingest and receipts topics (made by `npm run municipality`). */
  public readonly noticesKey: kms.Key;
  /** HMAC of Sign in with xID's pairwise `sub`. */
  public readonly pairwiseKey: kms.Key;
  /** The challenge MAC key is derived from it (stateless challenges). */
  public readonly challengeKey: kms.Key;
  public readonly mailIdentity: ses.EmailIdentity;
  public readonly configurationSet: ses.ConfigurationSet;
  public readonly platformApplications: PlatformApplications;
  /** Endpoint events of the push platform applications. */
  public readonly pushEvents: sns.Topic;
  /** JPKI trust material: the J-LIS CA certificates (public) and the CRLs, uploaded by the operator. */
  public readonly trustBucket: s3.Bucket;
  /** The stage's alarm topic, first of all so that every alarm of every stack can have its action. */
  public readonly alarms: AlarmTopic;
  /** What the other stacks' functions are bound to. */
  public readonly resources: StatefulResources;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const pendingWindow = Duration.days(config.retainData ? 30 : 7);

    this.storageKey = new kms.Key(this, 'StorageKey', {
      description: `xID ${config.stage}: encryption at rest of the table and queues`,
      enableKeyRotation: true,
      removalPolicy,
      pendingWindow,
    });
    // SES publishes bounces and complaints to a topic encrypted with this key (Api stack, MailFeedback).
    this.storageKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    // The keys the local runtime also makes, from the same definitions (lib/resources.ts).
    const keyOf = (name: KeyName, id: string, description: string, window = pendingWindow) =>
      new kms.Key(this, id, {
        description: `xID ${config.stage}: ${description}`,
        keySpec: kms.KeySpec[KEYS[name].keySpec],
        keyUsage: kms.KeyUsage[KEYS[name].keyUsage],
        // Asymmetric keys cannot rotate (the property must then be absent).
        ...(KEYS[name].rotation ? { enableKeyRotation: true } : {}),
        alias: resourceName(config.stage, KEYS[name].alias),
        removalPolicy,
        pendingWindow: window,
      });
    this.dataKey = keyOf('data', 'DataKey', "envelope encryption of residents' personal fields");
    // A new construct id: the key was an ECC signing key before, and a key's spec cannot change.
    this.tokenKey = keyOf('token', 'TokenWrappingKey', 'wraps the private keys that sign access tokens');
    this.challengeKey = keyOf('challenge', 'ChallengeKey', 'derives the MAC key of stateless challenges');
    const topicPrefix = this.formatArn({ service: 'sns', resource: topicPrefixName(config.stage) });
    this.noticesKey = keyOf('notices', 'NoticesKey', "the municipalities' ingest and receipts topics");
    // Publishers sit in the municipalities' own accounts: each may make and open data keys through SNS,
    // for this stage's ingest topics only (SNS names the topic in the encryption context). Which
    // municipality may publish to which topic is the topic policy's business.
    this.noticesKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'IngestPublishersThroughSns',
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'kms:ViaService': `sns.${this.region}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:aws:sns:topicArn': topicArnPattern(topicPrefix, 'ingest') },
        },
      }),
    );
    // SNS itself, delivering receipts to the publishers' subscriptions.
    this.noticesKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'SnsDelivers',
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    // Never rotated, never deleted lightly: every relying party's `sub`s are made with it.
    this.pairwiseKey = keyOf(
      'pairwise',
      'PairwiseKey',
      'HMAC of the pairwise subject identifiers of Sign in with xID',
      Duration.days(30),
    );

    this.table = new dynamodb.TableV2(this, TABLE.logicalName, {
      partitionKey: { name: TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: TABLE.ttlAttribute,
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(this.storageKey),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: config.retainData,
      removalPolicy,
    });

    this.mailIdentity = new ses.EmailIdentity(this, 'MailIdentity', {
      identity: ses.Identity.domain(config.mail.domain),
      mailFromDomain: `mail.${config.mail.domain}`,
    });
    this.configurationSet = new ses.ConfigurationSet(this, 'MailConfigurationSet', {
      configurationSetName: resourceName(config.stage, 'mail'),
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
    });

    // SNS reports endpoints it disabled (tokens the stores refused) here; the Api stack's function listens.
    this.pushEvents = new sns.Topic(this, 'PushEndpointEvents', {
      masterKey: this.storageKey,
      enforceSSL: true,
    });
    this.storageKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    this.trustBucket = new s3.Bucket(this, 'TrustBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      autoDeleteObjects: false,
    });
    acknowledge(this.trustBucket, {
      'AwsSolutions-S1':
        'Holds only public J-LIS CA certificates and CRLs, written by deployers; CloudTrail records who changes them',
    });
    const undelivered = new DeadLetters(this, 'AlarmDeliveryDeadLetters', {
      config,
      key: this.storageKey,
      description: 'alarm notifications that SNS could not deliver to a subscriber',
    });
    this.alarms = new AlarmTopic(this, 'Alarms', {
      config,
      key: this.storageKey,
      deadLetterQueue: undelivered.queue,
    });
    undelivered.connect(this.alarms.topic);
    this.resources = {
      alarmTopic: this.alarms.topic,
      table: this.table,
      storageKey: this.storageKey,
      dataKey: this.dataKey,
      tokenKey: this.tokenKey,
      noticesKey: this.noticesKey,
      pairwiseKey: this.pairwiseKey,
      challengeKey: this.challengeKey,
      mailIdentity: this.mailIdentity,
      configurationSet: this.configurationSet,
      trustBucket: this.trustBucket,
      pushEvents: this.pushEvents,
      // Filled in below, once the platform applications (whose own function needs none) exist.
      pushApplications: {},
      topicPrefix,
    };
    this.platformApplications = new PlatformApplications(this, 'PlatformApplications', {
      config,
      eventTopic: this.pushEvents,
      resources: this.resources,
    });
    const platforms = pushPlatformKeys(config.push);
    for (const [name, arn] of Object.entries(this.platformApplications.arns)) {
      const platform = platforms[name as keyof typeof platforms];
      if (platform) this.resources.pushApplications[platform] = arn;
    }
    new CfnOutput(this, 'TableName', {
      value: this.table.tableName,
      description: 'The table; `npm run client` keeps the relying parties here',
    });
    new CfnOutput(this, 'TrustBucketName', {
      value: this.trustBucket.bucketName,
      description: 'Upload the J-LIS signature CA certificates (anchors/) and the CRL (crl/) here',
    });
  }
}
