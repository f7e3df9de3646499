import { generateKeyPairSync } from 'node:crypto';
import {
  CreateTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  EnableKeyRotationCommand,
  KMSClient,
} from '@aws-sdk/client-kms';
import { CreatePlatformApplicationCommand, SNSClient } from '@aws-sdk/client-sns';
import { platformAttributes } from '../../functions/platform-applications/credentials.ts';
import {
  LOCAL_CREDENTIALS,
  type PlatformName,
  platformOf,
  resourceName,
} from '../../functions/shared/names.ts';
import type { StageConfig } from '../config/stages.ts';
import { KEYS, type KeyName, TABLE } from '../resources.ts';

/** What the local runtime created, by the names the functions' environment uses. */
export interface LocalResources {
  tableName: string;
  keyArns: Record<KeyName, string>;
  platformApplicationArns: Partial<Record<PlatformName, string>>;
}

/**
 * Creates in the local stand-ins the same resources the Stateful stack creates in AWS, from the same
 * definitions (`lib/resources.ts`): the table with its keys and TTL, the data and token keys, and the push
 * platform applications (with throwaway credentials in the shape the real secrets have).
 */
export async function provision(config: StageConfig, endpoint: string): Promise<LocalResources> {
  const clientConfig = { endpoint, region: config.region, credentials: LOCAL_CREDENTIALS };
  const dynamo = new DynamoDBClient(clientConfig);
  const kms = new KMSClient(clientConfig);
  const sns = new SNSClient(clientConfig);

  const tableName = resourceName(config.stage, TABLE.logicalName.toLowerCase());
  await dynamo.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: TABLE.partitionKey, AttributeType: 'S' },
        { AttributeName: TABLE.sortKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
      ],
    }),
  );
  await waitUntilTableExists({ client: dynamo, maxWaitTime: 30 }, { TableName: tableName });
  await dynamo.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
    }),
  );

  const keyArns = {} as Record<KeyName, string>;
  for (const [name, spec] of Object.entries(KEYS) as [KeyName, (typeof KEYS)[KeyName]][]) {
    const created = await kms.send(
      new CreateKeyCommand({
        KeySpec: spec.keySpec,
        KeyUsage: spec.keyUsage,
        Description: `xID local ${name} key`,
      }),
    );
    const arn = created.KeyMetadata?.Arn;
    const keyId = created.KeyMetadata?.KeyId;
    if (!arn || !keyId) throw new Error(`The local KMS did not return the ${name} key`);
    if (spec.rotation) await kms.send(new EnableKeyRotationCommand({ KeyId: keyId }));
    await kms.send(
      new CreateAliasCommand({
        AliasName: `alias/${resourceName(config.stage, spec.alias)}`,
        TargetKeyId: keyId,
      }),
    );
    keyArns[name] = arn;
  }

  const platformApplicationArns: Partial<Record<PlatformName, string>> = {};
  for (const [name, credentials] of Object.entries(config.push) as [PlatformName, { sandbox?: boolean }][]) {
    const platform = platformOf(name, credentials.sandbox);
    const created = await sns.send(
      new CreatePlatformApplicationCommand({
        Name: resourceName(config.stage, name),
        Platform: platform,
        Attributes: platformAttributes(platform, JSON.stringify(throwawayCredentials(name))),
      }),
    );
    if (created.PlatformApplicationArn) platformApplicationArns[name] = created.PlatformApplicationArn;
  }

  for (const client of [dynamo, kms, sns]) client.destroy();
  return { tableName, keyArns, platformApplicationArns };
}

/** Credentials shaped like the real secrets (docs/operations.md) so the same mapping code runs locally. */
function throwawayCredentials(name: PlatformName): unknown {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  if (name === 'apns')
    return { signingKey: pem, keyId: 'LOCAL00001', teamId: 'LOCALTEAM1', bundleId: 'jp.example.xid' };
  return { serviceAccount: { type: 'service_account', project_id: 'xid-local', private_key: pem } };
}
