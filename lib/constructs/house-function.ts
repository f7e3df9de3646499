import * as path from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IConfigurationSet, IEmailIdentity } from 'aws-cdk-lib/aws-ses';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { KEYS as ITEM_KEYS } from '../../functions/adapters/table-keys.ts';
import { TOKEN_KEY_PURPOSE } from '../../functions/auth/token-key-set.ts';
import { ENV } from '../../functions/shared/env.ts';
import {
  functionLogGroupName,
  functionName,
  type PlatformName,
  type PushPlatform,
  platformOf,
  resourceName,
  topicArnPattern,
} from '../../functions/shared/names.ts';
import { acknowledge, acknowledgeWildcardResource } from '../acknowledge.ts';
import type { Bindings, FunctionSpec } from '../bindings.ts';
import type { StageConfig } from '../config/stages.ts';
import { REPO_ROOT } from '../paths.ts';
import { DeadLetters } from './dead-letters.ts';

/** The partitions the e-mail confirmation link touches: its own link, and the account it confirms. */
export const EMAIL_VERIFICATION_PARTITIONS = ['EMAILTOKEN#*', 'ACCOUNT#*', 'EMAILIDX#*'];

/**
 * The endpoint ARN resource names (`<platform>/<application name>/*`) of the stage's own push applications:
 * a grant on them reaches this stage's devices and no other's.
 */
export function deviceEndpointPatterns(config: StageConfig): string[] {
  return (Object.entries(config.push) as [PlatformName, { sandbox?: boolean } | undefined][])
    .filter(([, credentials]) => credentials !== undefined)
    .map(
      ([name, credentials]) =>
        `${platformOf(name, credentials?.sandbox)}/${resourceName(config.stage, name)}/*`,
    );
}

/**
 * The stateful resources that functions are bound to, as the Stateful stack exposes them: stacks receive
 * this typed set rather than another stack.
 */
export interface StatefulResources {
  table: ITableV2;
  /** Encrypts the table, queues and topics at rest. */
  storageKey: IKey;
  dataKey: IKey;
  tokenKey: IKey;
  /** Encrypts the municipalities' ingest and receipts topics. */
  noticesKey: IKey;
  /** HMAC of Sign in with xID's pairwise `sub`. */
  pairwiseKey: IKey;
  /** HMAC key from which the challenge MAC key is derived. */
  challengeKey: IKey;
  mailIdentity: IEmailIdentity;
  configurationSet: IConfigurationSet;
  trustBucket: IBucket;
  /** Endpoint events of the platform applications. */
  pushEvents: sns.ITopic;
  /** Platform application ARN by SNS platform (`APNS`, `APNS_SANDBOX`, `GCM`). */
  pushApplications: Partial<Record<PushPlatform, string>>;
  /** ARN prefix of the stage's notice topics (`…:xid-<stage>`). */
  topicPrefix: string;
  /** The stage's alarm topic: every alarm's ALARM and OK go here. */
  alarmTopic: sns.ITopic;
  /**
   * The token keys as the token-keys custom resource answers them (Api stack): JSON of the published keys
   * and of the wrapped signing key, for the functions' environment.
   */
  tokenKeys?: { publicKeys: string; signingKey: string };
}

/**
 * How every function is bundled (esbuild through NodejsFunction): one ESM file, minified, with source maps.
 * `npm run bench:cold` bundles with exactly these options to measure what Lambda will load.
 */
export const BUNDLING = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  // Bundle the pinned SDK rather than trust the runtime's copy: same code locally and in Lambda.
  externalModules: [] as string[],
  // Some CommonJS dependencies call require(); give the ESM bundle one.
  banner:
    "import { createRequire as __xidCreateRequire } from 'node:module'; const require = __xidCreateRequire(import.meta.url);",
  esbuildArgs: {
    // Lambda's credentials are in the environment: the SDK's full default chain would only add weight.
    '--alias:@aws-sdk/credential-provider-node': './functions/shared/lambda-credentials.ts',
    // Japanese text as UTF-8 rather than \\u escapes (six bytes a character): smaller bundles.
    '--charset': 'utf8',
  } as Record<string, string>,
};

export interface HouseFunctionProps {
  /** Handler module, relative to the repository root (e.g. `functions/terms/handler.ts`). */
  entry: string;
  /** Named export of the module; `handler` by default. */
  handler?: string;
  config: StageConfig;
  description?: string;
  /** Folders (relative to the repository root) copied next to the bundle under their base name. */
  assets?: string[];
  /** Default 512 MB: RSA and ECDSA work is CPU-bound and Lambda's CPU scales with memory. */
  memorySize?: number;
  /** Default 10 seconds. */
  timeout?: Duration;
  /** How AWS invokes it (see `FunctionSpec`); `sync` by default. */
  invocation?: 'sync' | 'async';
}

/**
 * The one place that holds every Lambda default: Node.js 22 on arm64, an ESM bundle made by esbuild
 * (minified, with source maps), a fixed name per stage (`xid-<stage>-<id>`, `functionName` in names.ts),
 * JSON logs into its log group with the stage's retention, active tracing, and
 * a role that starts with nothing but writing its own logs. Permissions are added only through the
 * `bindX` helpers, each of which grants the narrowest actions and sets the environment variable the
 * function reads, so that a grant and its configuration never come apart.
 */
export class HouseFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: HouseFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      logGroupName: functionLogGroupName(props.config.stage, id),
      retention: props.config.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}; grants come only from HouseFunction.bindX`,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const assets = props.assets ?? [];
    super(scope, id, {
      entry: path.join(REPO_ROOT, props.entry),
      handler: props.handler ?? 'handler',
      functionName: functionName(props.config.stage, id),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      logGroup,
      role,
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: id,
        POWERTOOLS_METRICS_NAMESPACE: `xid-${props.config.stage}`,
        [ENV.stage]: props.config.stage,
        ...(props.config.publicBaseUrl ? { [ENV.publicBaseUrl]: props.config.publicBaseUrl } : {}),
      },
      bundling: {
        ...BUNDLING,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) =>
            assets.map(
              (folder) =>
                `cp -R "${path.join(inputDir, folder)}" "${path.join(outputDir, path.basename(folder))}"`,
            ),
        },
      },
    });
    acknowledge(role, {
      'AwsSolutions-IAM5[Resource::*]':
        'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions; "*" is their only resource',
    });
    const runtimeReason =
      'design.md §4.2 fixes nodejs22.x: the code must also run on Node 20, which development machines have';
    acknowledge(this, {
      'AwsSolutions-L1': runtimeReason,
      'Serverless-LambdaLatestVersion': runtimeReason,
      'Serverless-LambdaDLQ':
        props.invocation === 'async'
          ? 'Failed asynchronous invocations go to an on-failure destination (bindOnFailure), which keeps the error with the event'
          : 'Invoked synchronously (API Gateway, the authorizer, CloudFormation): the caller receives the error; there is no event to keep',
    });
  }

  /** Applies every binding a catalogue entry declares (routes.ts, event-functions.ts). */
  bind(binds: Bindings, resources: StatefulResources, config: StageConfig): this {
    if (binds.table) this.bindTable(resources.table, binds.table);
    if (binds.dataKey) this.bindDataKey(resources.dataKey, binds.dataKey);
    if (binds.tokenKey) this.bindTokenKey(resources, binds.tokenKey);
    if (binds.challengeKey) this.bindChallengeKey(resources.challengeKey);
    if (binds.mail)
      this.bindMail(resources.mailIdentity, resources.configurationSet, config.mail.fromAddress);
    if (binds.jpki) this.bindJpki(resources.trustBucket, config.jpki, config.allowTestTrustAnchors);
    if (binds.linkage) this.bindLinkage(resources.trustBucket, config.reverification);
    if (binds.emailVerification) this.bindEmailVerification(resources.table);
    if (binds.push)
      this.bindPush(resources.pushApplications, resources.topicPrefix, resources.storageKey, config);
    if (binds.pushTopics) this.bindPushTopics(resources.topicPrefix, resources.storageKey, binds.pushTopics);
    if (binds.receipts) this.bindReceipts(resources.topicPrefix, resources.noticesKey);
    if (binds.publicNotices) this.bindPublicNotices(resources.table);
    if (binds.platformApplications) this.bindPlatformApplications(config);
    if (binds.devicePush) this.bindDevicePush(config);
    if (binds.chatWebhook && config.alarms.chatWebhookSecretName)
      this.bindChatWebhook(config.alarms.chatWebhookSecretName);
    if (binds.pairwiseKey) this.bindPairwiseKey(resources.pairwiseKey);
    return this;
  }

  /** Table access by kind; `write` covers the conditional writes and transactions the use cases make. */
  bindTable(table: ITableV2, access: 'read' | 'write' | 'readWrite'): this {
    const read = [
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
      'dynamodb:ConditionCheckItem',
    ];
    const write = [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:ConditionCheckItem',
    ];
    const actions = [...new Set(access === 'read' ? read : access === 'write' ? write : [...read, ...write])];
    table.grant(this, ...actions);
    this.grantTableEncryption(table, access === 'read' ? 'read' : 'write');
    this.addEnvironment(ENV.tableName, table.tableName);
    return this;
  }

  /**
   * The notices of every municipality, read only: `Query` on the `NOTICES#<code>` partitions and nothing
   * else of the table (IAM's `dynamodb:LeadingKeys`), for a route that anyone may call.
   */
  bindPublicNotices(table: ITableV2): this {
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${ITEM_KEYS.noticesOf('')}*`] },
        },
      }),
    );
    this.grantTableEncryption(table, 'read');
    return this;
  }

  /**
   * The public e-mail confirmation link (`GET /v1/email-verifications/{token}`): it reads a link and marks it
   * used, the account's address confirmed, the activity entry and the sign-in hint index written: so exactly
   * `GetItem`, `UpdateItem` and `PutItem`, and only on the items whose partition key is a link's
   * (`EMAILTOKEN#…`), an account's (`ACCOUNT#…`) or the hint index's (`EMAILIDX#…`).
   */
  bindEmailVerification(table: ITableV2): this {
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem'],
        resources: [table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': EMAIL_VERIFICATION_PARTITIONS },
        },
      }),
    );
    this.grantTableEncryption(table, 'write');
    this.addEnvironment(ENV.tableName, table.tableName);
    return this;
  }

  /** The table's storage key, only through DynamoDB: what reading (and writing) its items needs. */
  private grantTableEncryption(table: ITableV2, access: 'read' | 'write'): void {
    if (!table.encryptionKey) return;
    const kmsActions =
      access === 'read' ? ['kms:Decrypt'] : ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'];
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [...kmsActions, 'kms:DescribeKey'],
        resources: [table.encryptionKey.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` },
        },
      }),
    );
  }

  /** The envelope-encryption key: `encrypt` may only make data keys, `decrypt` may only unwrap them. */
  bindDataKey(key: IKey, usage: 'encrypt' | 'decrypt' | 'encryptDecrypt'): this {
    const actions: string[] = [];
    if (usage !== 'decrypt') actions.push('kms:GenerateDataKey');
    if (usage !== 'encrypt') actions.push('kms:Decrypt');
    key.grant(this, ...actions);
    this.addEnvironment(ENV.dataKeyId, key.keyArn);
    return this;
  }

  /**
   * The token-signing keys (functions/auth/token-key-set.ts). `verify`: the published public keys in the
   * environment, and no permission at all (verifying calls no AWS service). `sign`: also the signing key,
   * still wrapped, and KMS `Decrypt` of it only with the token keys' encryption context. `provision` (the
   * custom resource): the one table item that keeps the set (IAM's `dynamodb:LeadingKeys`) and KMS
   * `Encrypt` of a new private key, with the same context.
   */
  bindTokenKey(
    resources: Pick<StatefulResources, 'tokenKey' | 'table' | 'tokenKeys'>,
    usage: 'sign' | 'verify' | 'provision',
  ): this {
    const { tokenKey, table } = resources;
    const onlyTokenKeys = { StringEquals: { 'kms:EncryptionContext:purpose': TOKEN_KEY_PURPOSE } };
    if (usage === 'provision') {
      this.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
          resources: [table.tableArn],
          conditions: {
            'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [ITEM_KEYS.tokenKeys().pk] },
          },
        }),
      );
      this.grantTableEncryption(table, 'write');
      this.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['kms:Encrypt'],
          resources: [tokenKey.keyArn],
          conditions: onlyTokenKeys,
        }),
      );
      this.addEnvironment(ENV.tableName, table.tableName);
      this.addEnvironment(ENV.tokenKeyId, tokenKey.keyArn);
      return this;
    }
    if (!resources.tokenKeys)
      throw new Error(`${this.node.id}: the token keys are not provisioned in this stack`);
    this.addEnvironment(ENV.tokenKeys, resources.tokenKeys.publicKeys);
    if (usage === 'sign') {
      this.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [tokenKey.keyArn],
          conditions: onlyTokenKeys,
        }),
      );
      this.addEnvironment(ENV.tokenSigningKey, resources.tokenKeys.signingKey);
      this.addEnvironment(ENV.tokenKeyId, tokenKey.keyArn);
    }
    return this;
  }

  /** The pairwise-`sub` HMAC key of Sign in with xID: GenerateMac only (never VerifyMac, never the key). */
  bindPairwiseKey(key: IKey): this {
    key.grant(this, 'kms:GenerateMac');
    this.addEnvironment(ENV.pairwiseKeyId, key.keyArn);
    return this;
  }

  /**
   * The challenge key: `GenerateMac` with HMAC-SHA-256 only (the challenge MAC key is derived from it once per
   * container); never `VerifyMac`, never the key itself.
   */
  bindChallengeKey(key: IKey): this {
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kms:GenerateMac'],
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' } },
      }),
    );
    this.addEnvironment(ENV.challengeKeyId, key.keyArn);
    return this;
  }

  /**
   * JPKI trust material: sources of anchors and CRLs, each an https:// URL or a key in the trust bucket
   * (read-only access to exactly those objects; a key ending in `/` is a prefix, every CRL under it, and
   * may also be listed), whether test anchors are allowed, and how old a CRL may be.
   */
  bindJpki(
    bucket: IBucket,
    trust: { trustAnchors: string[]; crlSources: string[]; maxCrlAgeHours: number },
    allowTestAnchors: boolean,
  ): this {
    const isUrl = (entry: string) => /^https:\/\//.test(entry);
    const resolve = (entry: string) => (isUrl(entry) ? entry : `s3://${bucket.bucketName}/${entry}`);
    const keys = [...trust.trustAnchors, ...trust.crlSources].filter((entry) => !isUrl(entry));
    if (keys.length > 0) {
      const objects = keys.map((key) => bucket.arnForObjects(key.endsWith('/') ? `${key}*` : key));
      this.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: objects }));
      const prefixed = objects.filter((_, index) => keys[index]?.endsWith('/'));
      // The bucket lives in another stack: its ARN has its final form (and cdk-nag's finding its name) only
      // once references are resolved, which is before validation runs.
      this.node.addValidation({
        validate: () => {
          for (const arn of prefixed)
            acknowledgeWildcardResource(
              this.role as iam.IRole,
              arn,
              'A prefix of the trust bucket holds one CRL per municipality partition; read-only, and only under this prefix',
            );
          return [];
        },
      });
    }
    const prefixes = keys.filter((key) => key.endsWith('/'));
    if (prefixes.length > 0) {
      this.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': prefixes } },
        }),
      );
    }
    this.addEnvironment(ENV.trustAnchors, trust.trustAnchors.map(resolve).join(','));
    this.addEnvironment(ENV.crlSources, trust.crlSources.map(resolve).join(','));
    this.addEnvironment(ENV.allowTestAnchors, String(allowTestAnchors));
    this.addEnvironment(ENV.maxCrlAgeHours, String(trust.maxCrlAgeHours));
    return this;
  }

  /**
   * Re-verification (design.md §3.8): the certificate linkage's sources, each an https:// URL or a key in
   * the trust bucket (read-only access to exactly those objects), and whether the item-match rule applies.
   */
  bindLinkage(bucket: IBucket, settings: { linkageSources: string[]; itemMatch: boolean }): this {
    const keys = settings.linkageSources.filter((entry) => !/^https:\/\//.test(entry));
    if (keys.length > 0) {
      this.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:GetObject'],
          resources: keys.map((key) => bucket.arnForObjects(key)),
        }),
      );
    }
    this.addEnvironment(
      ENV.linkageSources,
      settings.linkageSources
        .map((entry) => (keys.includes(entry) ? `s3://${bucket.bucketName}/${entry}` : entry))
        .join(','),
    );
    this.addEnvironment(ENV.reverificationItemMatch, String(settings.itemMatch));
    return this;
  }

  /**
   * Push: device endpoints in the stage's platform applications, and the municipality push topics
   * (`<topicPrefix>-push-*`), created on first use and encrypted with `topicKey`.
  }

  /**
   * Push: device endpoints in the stage's platform applications (by the applications' names, so another
   * stage's devices are out of reach), and the municipality push topics (`<topicPrefix>-push-*`), created
   * on first use and encrypted with `topicKey`.
   */
  bindPush(
    applications: Partial<Record<PushPlatform, string>>,
    topicPrefix: string,
    topicKey: IKey,
    config: StageConfig,
  ): this {
    const stack = Stack.of(this);
    const appArns = Object.values(applications) as string[];
    if (appArns.length > 0) {
      this.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['sns:CreatePlatformEndpoint'], resources: appArns }),
      );
    }
    const endpoints = this.deviceEndpoints(config);
    if (endpoints.length > 0) {
      this.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['sns:GetEndpointAttributes', 'sns:SetEndpointAttributes', 'sns:DeleteEndpoint'],
          resources: endpoints,
        }),
      );
    }
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sns:CreateTopic', 'sns:TagResource', 'sns:Subscribe', 'sns:Unsubscribe'],
        resources: [topicArnPattern(topicPrefix, 'push')],
      }),
    );
    acknowledgeWildcardResource(
      this.role as iam.IRole,
      topicArnPattern(topicPrefix, 'push'),
      'Push topics are made at run time, one per municipality; the pattern limits them to this stage',
    );
    this.addEnvironment(ENV.pushApplications, stack.toJsonString(applications));
    this.addEnvironment(ENV.topicPrefix, topicPrefix);
    this.addEnvironment(ENV.topicKeyId, topicKey.keyArn);
    return this;
  }

  /**
   * Pushes to residents' own devices: Publish to the device endpoints of this stage's platform
   * applications (never to a topic).
   */
  bindDevicePush(config: StageConfig): this {
    const endpoints = this.deviceEndpoints(config);
    if (endpoints.length > 0)
      this.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: endpoints }));
    return this;
  }

  /**
   * The ARN patterns of this stage's device endpoints, by its applications' names (so another stage's
   * devices are out of reach), acknowledged once per function for cdk-nag.
   */
  private deviceEndpoints(config: StageConfig): string[] {
    const endpoints = deviceEndpointPatterns(config).map((resourceName) =>
      Stack.of(this).formatArn({ service: 'sns', resource: 'endpoint', resourceName }),
    );
    if (!this.endpointsAcknowledged) {
      for (const endpoint of endpoints)
        acknowledgeWildcardResource(
          this.role as iam.IRole,
          endpoint,
          "Device endpoints are made at run time, one per device; the pattern names one of this stage's applications",
        );
      this.endpointsAcknowledged = true;
    }
    return endpoints;
  }

  private endpointsAcknowledged = false;

  /** Sending through SES v2 from the stage's identity, only with the stage's configuration set. */
  bindMail(identity: IEmailIdentity, configurationSet: IConfigurationSet, fromAddress: string): this {
    const stack = Stack.of(this);
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity.emailIdentityName }),
          stack.formatArn({
            service: 'ses',
            resource: 'configuration-set',
            resourceName: configurationSet.configurationSetName,
          }),
        ],
        conditions: { StringEquals: { 'ses:FromAddress': fromAddress } },
      }),
    );
    this.addEnvironment(ENV.mailFrom, fromAddress);
    this.addEnvironment(ENV.mailConfigurationSet, configurationSet.configurationSetName);
    return this;
  }

  /**
   * The municipality push topics of the stage (`<topicPrefix>-push-*`): `publish` a notice to them (with the
   * storage key that encrypts them, only through SNS), or `unsubscribe` an endpoint from them.
   */
  bindPushTopics(topicPrefix: string, topicKey: IKey, usage: 'publish' | 'unsubscribe'): this {
    const topics = topicArnPattern(topicPrefix, 'push');
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [usage === 'publish' ? 'sns:Publish' : 'sns:Unsubscribe'],
        resources: [topics],
      }),
    );
    if (usage === 'publish') this.grantKeyThroughSns(topicKey);
    acknowledgeWildcardResource(
      this.role as iam.IRole,
      topics,
      'Push topics are made at run time, one per municipality; the pattern limits them to this stage',
    );
    this.addEnvironment(ENV.topicPrefix, topicPrefix);
    return this;
  }

  /**
   * The municipalities' receipts topics of the stage (`<topicPrefix>-receipts-*`): publish a receipt to
   * them, with the notices key that encrypts them, only through SNS.
   */
  bindReceipts(topicPrefix: string, noticesKey: IKey): this {
    const topics = topicArnPattern(topicPrefix, 'receipts');
    this.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [topics] }));
    this.grantKeyThroughSns(noticesKey);
    acknowledgeWildcardResource(
      this.role as iam.IRole,
      topics,
      'Receipts topics are made by the onboarding command, one per municipality; the pattern limits them to this stage',
    );
    this.addEnvironment(ENV.topicPrefix, topicPrefix);
    return this;
  }

  /**
   * The stage's SNS platform applications, for the custom resource that manages them: their credentials
   * secrets (read only, by name) and create/update/delete of exactly the applications the stage names.
   */
  bindPlatformApplications(config: StageConfig): this {
    const stack = Stack.of(this);
    for (const [name, credentials] of Object.entries(config.push) as [
      PlatformName,
      { secretName: string; sandbox?: boolean },
    ][]) {
      this.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [secretArn(stack, credentials.secretName)],
        }),
      );
      const platform = platformOf(name, credentials.sandbox);
      this.addToRolePolicy(
        new iam.PolicyStatement({
          actions: [
            'sns:CreatePlatformApplication',
            'sns:SetPlatformApplicationAttributes',
            'sns:DeletePlatformApplication',
          ],
          resources: [
            stack.formatArn({
              service: 'sns',
              resource: 'app',
              resourceName: `${platform}/${resourceName(config.stage, name)}`,
            }),
          ],
        }),
      );
    }
    return this;
  }

  /** What publishing to a topic encrypted with `key` takes: data keys, only through SNS. */
  private grantKeyThroughSns(key: IKey): void {
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `sns.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
  }

  /** Reads the alarm chat webhook's URL from its secret, by name, and nothing else. */
  bindChatWebhook(secretName: string): this {
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secretArn(Stack.of(this), secretName)],
      }),
    );
    this.addEnvironment(ENV.chatWebhookSecret, secretName);
    return this;
  }

  /**
   * Where failed asynchronous invocations go once Lambda's retries are spent: an SQS queue (the function
   * may only send to it), with the event and the error, so nothing is dropped silently.
   */
  bindOnFailure(queue: IQueue, retryAttempts = 2): this {
    this.configureAsyncInvoke({
      retryAttempts,
      maxEventAge: Duration.hours(6),
      // Given by ARN with an explicit grant: the library's destination grant would add wildcard actions.
      onFailure: { bind: () => ({ destination: queue.queueArn }) },
    });
    this.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
    );
    // Lambda sends the failure with this role, to a queue encrypted with a customer-managed key.
    if (queue.encryptionMasterKey) {
      this.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [queue.encryptionMasterKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `sqs.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
    }
    return this;
  }
}

/** A secret by name: Secrets Manager appends six random characters to the name in the ARN. */
function secretArn(stack: Stack, name: string): string {
  return stack.formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${name}-??????`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * Builds the functions of a catalogue (route table or event functions) under `scope`, each bound exactly
 * as its entry declares; asynchronously invoked ones also get a dead-letter queue with an alarm as their
 * on-failure destination. Stacks build every function through here.
 */
export function buildFunctions(
  scope: Construct,
  specs: readonly FunctionSpec[],
  props: { config: StageConfig; resources: StatefulResources; describe?: (spec: FunctionSpec) => string },
): { functions: Record<string, HouseFunction>; deadLetters: Record<string, DeadLetters> } {
  const functions: Record<string, HouseFunction> = {};
  const deadLetters: Record<string, DeadLetters> = {};
  for (const spec of specs) {
    const fn = new HouseFunction(scope, spec.id, {
      entry: spec.entry,
      handler: spec.handler,
      config: props.config,
      description: props.describe?.(spec) ?? spec.description,
      assets: spec.assets,
      invocation: spec.invocation,
      timeout: spec.timeoutSeconds === undefined ? undefined : Duration.seconds(spec.timeoutSeconds),
      memorySize: spec.memorySize,
    }).bind(spec.binds, props.resources, props.config);
    if (spec.invocation === 'async') {
      const letters = new DeadLetters(scope, `${spec.id}DeadLetters`, {
        config: props.config,
        key: props.resources.storageKey,
        description: `${spec.id}: ${spec.description}`,
        alarmTopic: props.resources.alarmTopic,
      });
      fn.bindOnFailure(letters.queue);
      deadLetters[spec.id] = letters;
    }
    functions[spec.id] = fn;
  }
  return { functions, deadLetters };
}
