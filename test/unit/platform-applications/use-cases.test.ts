import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PlatformApplicationPorts } from '#functions/platform-applications/ports';
import { platformApplication } from '#functions/platform-applications/use-cases';

/** The platform-applications custom resource with Secrets Manager and SNS in memory. */
const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();
const SECRET = JSON.stringify({
  signingKey: pem,
  keyId: 'ABCDE12345',
  teamId: 'TEAM123456',
  bundleId: 'jp.example.xid',
});
const PROPS = {
  Name: 'xid-dev-apns',
  Platform: 'APNS_SANDBOX',
  SecretName: 'xid/dev/apns',
  Retain: 'false',
  EventTopicArn: 'arn:aws:sns:ap-northeast-1:123456789012:events',
};

function fake() {
  const calls: string[] = [];
  const ports: PlatformApplicationPorts = {
    readSecret: async (name) => {
      calls.push(`read ${name}`);
      return SECRET;
    },
    createApplication: async (name, platform, attributes) => {
      calls.push(`create ${name} ${platform} ${attributes.EventEndpointDeleted}`);
      return `arn:aws:sns:ap-northeast-1:123456789012:app/${platform}/${name}`;
    },
    setApplicationAttributes: async (arn) => {
      calls.push(`set ${arn}`);
    },
    deleteApplication: async (arn) => {
      calls.push(`delete ${arn}`);
    },
  };
  return { ports, calls };
}
const ARN = 'arn:aws:sns:ap-northeast-1:123456789012:app/APNS_SANDBOX/xid-dev-apns';

describe('platform applications custom resource', () => {
  it('creates the application from the secret, wired to the endpoint-events topic', async () => {
    const { ports, calls } = fake();
    expect(await platformApplication({ RequestType: 'Create', ResourceProperties: PROPS }, ports)).toEqual({
      PhysicalResourceId: ARN,
      Data: { Arn: ARN },
    });
    expect(calls).toEqual(['read xid/dev/apns', `create xid-dev-apns APNS_SANDBOX ${PROPS.EventTopicArn}`]);
  });

  it('updates attributes in place, but creates anew for a new name or platform', async () => {
    const { ports, calls } = fake();
    const update = { RequestType: 'Update' as const, ResourceProperties: PROPS, PhysicalResourceId: ARN };
    await platformApplication({ ...update, OldResourceProperties: PROPS }, ports);
    await platformApplication({ ...update, OldResourceProperties: { ...PROPS, Platform: 'APNS' } }, ports);
    expect(calls.filter((c) => !c.startsWith('read'))).toEqual([
      `set ${ARN}`,
      `create xid-dev-apns APNS_SANDBOX ${PROPS.EventTopicArn}`,
    ]);
  });

  it('deletes only what it made, and keeps retained applications', async () => {
    const { ports, calls } = fake();
    await platformApplication(
      { RequestType: 'Delete', ResourceProperties: PROPS, PhysicalResourceId: ARN },
      ports,
    );
    await platformApplication(
      { RequestType: 'Delete', ResourceProperties: { ...PROPS, Retain: 'true' }, PhysicalResourceId: ARN },
      ports,
    );
    await platformApplication(
      { RequestType: 'Delete', ResourceProperties: PROPS, PhysicalResourceId: 'failed-create' },
      ports,
    );
    expect(calls).toEqual([`delete ${ARN}`]);
  });

  it('refuses properties it does not understand', async () => {
    const { ports, calls } = fake();
    await expect(
      platformApplication(
        { RequestType: 'Create', ResourceProperties: { ...PROPS, Platform: 'MPNS' } },
        ports,
      ),
    ).rejects.toThrow();
    expect(calls).toEqual([]);
  });
});
