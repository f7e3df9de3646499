import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { pushPlatformKeys, resourceName, topicPrefixName } from '../../functions/shared/names.ts';
import { acknowledge } from '../acknowledge.ts';
import type { StageConfig } from '../config/stages.ts';
import type { StatefulResources } from '../constructs/house-function.ts';
import { PlatformApplications } from '../constructs/platform-applications.ts';
import { KEYS, TABLE } from '../resources.ts';

export interface StatefulStackProps extends StackProps {
  config: StageConfig;
}

/**
 * Everything that holds data or identity and must outlive a redeployment of the code: the table, the KMS
 * keys, the SES identity and configuration set, and the push platform applications. Retained in production.
 */
export class StatefulStack extends Stack {
  public readonly table: dynamodb.TableV2;
  /** Encrypts the table (and other stores at rest) under our control. */
  public readonly storageKey: kms.Key;
  /** Envelope encryption of personal fields. */
  public readonly dataKey: kms.Key;
  /** Signs access tokens. */
  public readonly tokenKey: kms.Key;
  /** HMAC of Sign in with xID's pairwise `sub`. */
  public readonly pairwiseKey: kms.Key;
  public readonly mailIdentity: ses.EmailIdentity;
  public readonly configurationSet: ses.ConfigurationSet;
  public readonly platformApplications: PlatformApplications;
  /** Endpoint events of the push platform applications. */
  public readonly pushEvents: sns.Topic;
  /** JPKI trust material: the J-LIS CA certificates (public) and the CRLs, uploaded by the operator. */
  public readonly trustBucket: s3.Bucket;
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
    this.dataKey = new kms.Key(this, 'DataKey', {
      description: `xID ${config.stage}: envelope encryption of residents' personal fields`,
      keySpec: kms.KeySpec[KEYS.data.keySpec],
      keyUsage: kms.KeyUsage[KEYS.data.keyUsage],
      enableKeyRotation: KEYS.data.rotation,
      alias: resourceName(config.stage, KEYS.data.alias),
      removalPolicy,
      pendingWindow,
    });
    this.tokenKey = new kms.Key(this, 'TokenKey', {
      description: `xID ${config.stage}: ES256 signing of access tokens`,
      keySpec: kms.KeySpec[KEYS.token.keySpec],
      keyUsage: kms.KeyUsage[KEYS.token.keyUsage],
      alias: resourceName(config.stage, KEYS.token.alias),
      removalPolicy,
      pendingWindow,
    });
    // Never rotated, never deleted lightly: every relying party's `sub`s are made with it.
    this.pairwiseKey = new kms.Key(this, 'PairwiseKey', {
      description: `xID ${config.stage}: HMAC of the pairwise subject identifiers of Sign in with xID`,
      keySpec: kms.KeySpec[KEYS.pairwise.keySpec],
      keyUsage: kms.KeyUsage[KEYS.pairwise.keyUsage],
      alias: resourceName(config.stage, KEYS.pairwise.alias),
      removalPolicy,
      pendingWindow: Duration.days(30),
    });

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
    this.resources = {
      table: this.table,
      storageKey: this.storageKey,
      dataKey: this.dataKey,
      tokenKey: this.tokenKey,
      pairwiseKey: this.pairwiseKey,
      mailIdentity: this.mailIdentity,
      configurationSet: this.configurationSet,
      trustBucket: this.trustBucket,
      pushEvents: this.pushEvents,
      // Filled in below, once the platform applications (whose own function needs none) exist.
      pushApplications: {},
      topicPrefix: this.formatArn({ service: 'sns', resource: topicPrefixName(config.stage) }),
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
