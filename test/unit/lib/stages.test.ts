import { describe, expect, it } from 'vitest';
import {
  assertDeployable,
  STAGES,
  StageConfigError,
  stageConfig,
  stageOverridesFromContext,
} from '#lib/config/stages';

describe('stage configuration', () => {
  it.each(STAGES)('gives a consistent configuration for %s', (stage) => {
    const config = stageConfig(stage);
    expect(config.stage).toBe(stage);
    expect(config.region).toMatch(/^[a-z]{2}-[a-z]+-\d$/);
    expect(config.mail.fromAddress.endsWith(`@${config.mail.domain}`)).toBe(true);
  });

  it('keeps production data and refuses test trust anchors in production', () => {
    const prod = stageConfig('prod');
    expect(prod.retainData).toBe(true);
    expect(prod.allowTestTrustAnchors).toBe(false);
    expect(prod.logRetentionDays).toBeGreaterThanOrEqual(365);
  });

  it.each(STAGES)('turns the re-verification item-match rule on by default in %s', (stage) => {
    expect(stageConfig(stage).reverification.itemMatch).toBe(true);
  });

  it('reads the certificate linkage from the trust bucket in AWS, from the local PKI locally', () => {
    expect(stageConfig('prod').reverification.linkageSources).toEqual(['linkage/certificate-links.json']);
    expect(stageConfig('local').reverification.linkageSources).toEqual([]);
  });

  it('lets throwaway stages be destroyed', () => {
    expect(stageConfig('dev').retainData).toBe(false);
  });

  it('refuses an unknown stage, naming the known ones', () => {
    expect(() => stageConfig('qa')).toThrow(StageConfigError);
    expect(() => stageConfig('qa')).toThrow(/local, dev, staging, prod/);
  });

  it('takes account and region overrides, and checks them', () => {
    expect(stageConfig('dev', { account: '123456789012', region: 'ap-northeast-3' })).toMatchObject({
      account: '123456789012',
      region: 'ap-northeast-3',
    });
    expect(() => stageConfig('dev', { account: 'abc' })).toThrow(/12 digits/);
    expect(() => stageConfig('dev', { region: 'tokyo' })).toThrow(/concrete AWS region/);
  });

  it('does not let one stage change another', () => {
    const first = stageConfig('dev', { region: 'us-east-1' });
    expect(first.region).toBe('us-east-1');
    expect(stageConfig('dev').region).toBe('ap-northeast-1');
  });
});

describe('what a deployer sets without editing code', () => {
  const context = (values: Record<string, unknown>) => (key: string) => values[key];

  it('takes domains, secret names and alarm subscribers from the xid:<stage> context object', () => {
    const overrides = stageOverridesFromContext(
      'prod',
      context({
        'xid:prod': {
          account: '210987654321',
          mailDomain: 'xid.city.example.jp',
          apnsSecretName: 'ops/apns',
          fcmSecretName: 'ops/fcm',
          apiDomain: 'api.xid.city.example.jp',
          hostedZoneId: 'Z0123456789ABCDEF',
          hostedZoneName: 'xid.city.example.jp',
          alarmEmails: ['oncall@city.example.jp'],
          alarmChatWebhookSecret: 'ops/chat-webhook',
        },
      }),
    );
    const config = stageConfig('prod', overrides);
    expect(config).toMatchObject({
      account: '210987654321',
      mail: { domain: 'xid.city.example.jp', fromAddress: 'no-reply@xid.city.example.jp' },
      push: { apns: { secretName: 'ops/apns', sandbox: false }, fcm: { secretName: 'ops/fcm' } },
      api: {
        domain: {
          name: 'api.xid.city.example.jp',
          hostedZone: { id: 'Z0123456789ABCDEF', name: 'xid.city.example.jp' },
        },
      },
      alarms: { emails: ['oncall@city.example.jp'], chatWebhookSecretName: 'ops/chat-webhook' },
      publicBaseUrl: 'https://api.xid.city.example.jp',
    });
  });

  it('lets flat -c keys win over the object, and splits comma-separated e-mails', () => {
    const overrides = stageOverridesFromContext(
      'dev',
      context({
        'xid:dev': { account: '111111111111' },
        account: '222222222222',
        alarmEmails: 'a@x.jp, b@x.jp',
      }),
    );
    expect(stageConfig('dev', overrides)).toMatchObject({
      account: '222222222222',
      alarms: { emails: ['a@x.jp', 'b@x.jp'] },
    });
  });

  it('refuses an unknown setting by name, and bad values with the setting they belong to', () => {
    expect(() => stageOverridesFromContext('dev', context({ 'xid:dev': { mailDomian: 'x.jp' } }))).toThrow(
      /unknown setting mailDomian/,
    );
    expect(() => stageConfig('dev', { apiDomain: 'not a domain' })).toThrow(/API domain/);
    expect(() =>
      stageConfig('dev', { apiDomain: 'api.x.jp', hostedZoneId: 'Z123', hostedZoneName: 'y.jp' }),
    ).toThrow(/hostedZoneName/);
    expect(() => stageConfig('dev', { alarmEmails: 'nobody' })).toThrow(/alarm e-mail/);
    expect(() => stageConfig('dev', { fcmSecretName: 'has spaces in it' })).toThrow(/secret name/);
    expect(() => stageConfig('dev', { mailFrom: 'no-reply@elsewhere.jp' })).toThrow(/fromAddress/);
  });

  it('refuses to synthesise prod without its account, and not the throwaway stages', () => {
    expect(() => assertDeployable(stageConfig('prod'))).toThrow(/needs its AWS account/);
    expect(() => assertDeployable(stageConfig('prod', { account: '210987654321' }))).not.toThrow();
    expect(() => assertDeployable(stageConfig('dev'))).not.toThrow();
  });

  it('maps a base path into the public base URL of links', () => {
    expect(stageConfig('dev', { apiDomain: 'api.dev.x.jp', apiBasePath: 'xid' }).publicBaseUrl).toBe(
      'https://api.dev.x.jp/xid',
    );
  });
});
