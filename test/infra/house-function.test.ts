import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ses from 'aws-cdk-lib/aws-ses';
import { describe, expect, it } from 'vitest';
import { ENV } from '#functions/shared/env';
import { stageConfig } from '#lib/config/stages';
import { HouseFunction } from '#lib/constructs/house-function';
import { actionsOf, cdkJsonContext, type Statement } from './synth.ts';

function fixture() {
  const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'ap-northeast-1' } });
  const storageKey = new kms.Key(stack, 'StorageKey');
  const table = new dynamodb.TableV2(stack, 'Table', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    encryption: dynamodb.TableEncryptionV2.customerManagedKey(storageKey),
  });
  const dataKey = new kms.Key(stack, 'DataKey');
  const tokenKey = new kms.Key(stack, 'TokenKey');
  const identity = new ses.EmailIdentity(stack, 'Identity', { identity: ses.Identity.domain('example.jp') });
  const configurationSet = new ses.ConfigurationSet(stack, 'ConfigurationSet');
  const fn = new HouseFunction(stack, 'Fn', {
    entry: 'functions/health/handler.ts',
    config: stageConfig('dev'),
  });
  return { stack, fn, table, dataKey, tokenKey, identity, configurationSet };
}

function statementsOf(stack: Stack, fn: HouseFunction): Statement[] {
  const template = Template.fromStack(stack).toJSON() as {
    Resources: Record<string, { Type: string; Properties: never }>;
  };
  if (!fn.role) throw new Error('the function has no role');
  const roleId = stack.resolve((fn.role.node.defaultChild as CfnElement).logicalId);
  return Object.values(template.Resources).flatMap((resource) => {
    const props = resource.Properties as {
      Roles?: { Ref: string }[];
      PolicyDocument?: { Statement: Statement[] };
    };
    return resource.Type === 'AWS::IAM::Policy' && props.Roles?.some((r) => r.Ref === roleId)
      ? (props.PolicyDocument?.Statement ?? [])
      : [];
  });
}

const actions = (statements: Statement[]) => statements.flatMap(actionsOf).sort();

function environmentOf(stack: Stack, fn: HouseFunction): Record<string, unknown> {
  const id = stack.resolve((fn.node.defaultChild as CfnElement).logicalId);
  return (Template.fromStack(stack).toJSON().Resources[id].Properties.Environment?.Variables ?? {}) as Record<
    string,
    unknown
  >;
}
const BASE = [
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'xray:PutTelemetryRecords',
  'xray:PutTraceSegments',
];

describe('HouseFunction', () => {
  it('starts with nothing but its own logs and traces', () => {
    const { stack, fn } = fixture();
    expect(actions(statementsOf(stack, fn))).toEqual(BASE);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Environment: {
        Variables: Match.objectLike({ [ENV.stage]: 'dev', NODE_OPTIONS: '--enable-source-maps' }),
      },
    });
  });

  it('bindTable("read") grants reads only, the table key only through DynamoDB, and names the table', () => {
    const { stack, fn, table } = fixture();
    fn.bindTable(table, 'read');
    const statements = statementsOf(stack, fn);
    expect(actions(statements)).toEqual(
      [
        ...BASE,
        'dynamodb:BatchGetItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:GetItem',
        'dynamodb:Query',
        'kms:Decrypt',
        'kms:DescribeKey',
      ].sort(),
    );
    const kmsStatement = statements.find((s) => actionsOf(s).includes('kms:Decrypt'));
    expect(kmsStatement?.Condition).toEqual({
      StringEquals: { 'kms:ViaService': 'dynamodb.ap-northeast-1.amazonaws.com' },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.tableName]: Match.anyValue() }) },
    });
  });

  it('bindDataKey("encrypt") can make data keys but not unwrap them', () => {
    const { stack, fn, dataKey } = fixture();
    fn.bindDataKey(dataKey, 'encrypt');
    expect(actions(statementsOf(stack, fn))).toEqual([...BASE, 'kms:GenerateDataKey'].sort());
  });

  it('bindDataKey("decrypt") can unwrap data keys but not make them', () => {
    const { stack, fn, dataKey } = fixture();
    fn.bindDataKey(dataKey, 'decrypt');
    expect(actions(statementsOf(stack, fn))).toEqual([...BASE, 'kms:Decrypt'].sort());
  });

  const tokenKeys = { publicKeys: '[{"kid":"k"}]', signingKey: '{"kid":"k"}' };

  it('bindTokenKey("verify") needs no permission at all: the public keys come in the environment', () => {
    const { stack, fn, tokenKey, table } = fixture();
    fn.bindTokenKey({ tokenKey, table, tokenKeys }, 'verify');
    expect(actions(statementsOf(stack, fn))).toEqual(BASE);
    const env = environmentOf(stack, fn);
    expect(env[ENV.tokenKeys]).toBe(tokenKeys.publicKeys);
    expect(env[ENV.tokenSigningKey]).toBeUndefined();
  });

  it('bindTokenKey("sign") can unwrap the signing key, only with the token keys\' encryption context', () => {
    const { stack, fn, tokenKey, table } = fixture();
    fn.bindTokenKey({ tokenKey, table, tokenKeys }, 'sign');
    const statements = statementsOf(stack, fn);
    expect(actions(statements)).toEqual([...BASE, 'kms:Decrypt'].sort());
    expect(statements.find((s) => actionsOf(s).includes('kms:Decrypt'))?.Condition).toEqual({
      StringEquals: { 'kms:EncryptionContext:purpose': 'xid-token-signing' },
    });
    expect(environmentOf(stack, fn)[ENV.tokenSigningKey]).toBe(tokenKeys.signingKey);
  });

  it('bindTokenKey("provision") writes the key-set item only, and wraps but cannot unwrap', () => {
    const { stack, fn, tokenKey, table } = fixture();
    fn.bindTokenKey({ tokenKey, table }, 'provision');
    const statements = statementsOf(stack, fn);
    const item = statements.find((s) => actionsOf(s).includes('dynamodb:PutItem'));
    expect(actionsOf(item as Statement).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    expect(item?.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['TOKENKEYS'] },
    });
    const onTokenKey = statements
      .filter((s) => JSON.stringify(s.Resource).includes('TokenKey'))
      .flatMap(actionsOf);
    expect(onTokenKey).toEqual(['kms:Encrypt']);
  });

  it('bindTokenKey refuses to sign or verify where no token keys were provisioned', () => {
    const { fn, tokenKey, table } = fixture();
    expect(() => fn.bindTokenKey({ tokenKey, table }, 'verify')).toThrow(/not provisioned/);
  });

  it('bindJpki reads exactly the trust objects it names, and passes https sources through', () => {
    const { stack, fn } = fixture();
    const bucket = new s3.Bucket(stack, 'Trust');
    fn.bindJpki(
      bucket,
      {
        trustAnchors: ['anchors/signca03.cer', 'https://example.jp/ca.cer'],
        crlSources: ['crl/sign.crl'],
        maxCrlAgeHours: 48,
      },
      false,
    );
    const statements = statementsOf(stack, fn);
    expect(actions(statements)).toEqual([...BASE, 's3:GetObject'].sort());
    const read = statements.find((s) => actionsOf(s).includes('s3:GetObject'));
    expect(JSON.stringify(read?.Resource)).toContain('/anchors/signca03.cer');
    expect(JSON.stringify(read?.Resource)).toContain('/crl/sign.crl');
    expect(JSON.stringify(read?.Resource)).not.toContain('/*');
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.allowTestAnchors]: 'false',
          [ENV.trustAnchors]: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
          [ENV.maxCrlAgeHours]: '48',
        }),
      },
    });
  });

  it('bindJpki lists and reads only under a CRL prefix', () => {
    const { stack, fn } = fixture();
    const bucket = new s3.Bucket(stack, 'Trust');
    fn.bindJpki(
      bucket,
      { trustAnchors: ['anchors/signca03.cer'], crlSources: ['crl/'], maxCrlAgeHours: 24 },
      false,
    );
    const statements = statementsOf(stack, fn);
    expect(actions(statements)).toEqual([...BASE, 's3:GetObject', 's3:ListBucket'].sort());
    const read = statements.find((s) => actionsOf(s).includes('s3:GetObject'));
    expect(JSON.stringify(read?.Resource)).toContain('/crl/*');
    const list = statements.find((s) => actionsOf(s).includes('s3:ListBucket'));
    expect(list?.Condition).toEqual({ StringLike: { 's3:prefix': ['crl/'] } });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.crlSources]: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
          [ENV.maxCrlAgeHours]: '24',
        }),
      },
    });
  });

  it('bindLinkage reads exactly the linkage objects it names and passes the item-match rule on', () => {
    const { stack, fn } = fixture();
    const bucket = new s3.Bucket(stack, 'Trust');
    fn.bindLinkage(bucket, {
      linkageSources: ['linkage/links.json', 'https://platform.example.jp/links.json'],
      itemMatch: false,
    });
    const statements = statementsOf(stack, fn);
    expect(actions(statements)).toEqual([...BASE, 's3:GetObject'].sort());
    const read = statements.find((s) => actionsOf(s).includes('s3:GetObject'));
    expect(JSON.stringify(read?.Resource)).toContain('/linkage/links.json');
    expect(JSON.stringify(read?.Resource)).not.toContain('/*');
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.reverificationItemMatch]: 'false',
          [ENV.linkageSources]: Match.objectLike({
            'Fn::Join': [
              '',
              Match.arrayWith([Match.stringLikeRegexp('https://platform.example.jp/links.json$')]),
            ],
          }),
        }),
      },
    });
  });

  it('bindMail sends only from the configured address, through the identity and configuration set', () => {
    const { stack, fn, identity, configurationSet } = fixture();
    fn.bindMail(identity, configurationSet, 'no-reply@example.jp');
    const statements = statementsOf(stack, fn);
    const send = statements.find((s) => actionsOf(s).includes('ses:SendEmail'));
    expect(send?.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'no-reply@example.jp' } });
    expect(actions(statements)).toEqual([...BASE, 'ses:SendEmail'].sort());
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.mailFrom]: 'no-reply@example.jp',
          [ENV.mailConfigurationSet]: Match.anyValue(),
        }),
      },
    });
  });
});
