import { describe, expect, it } from 'vitest';
import { STAGES, StageConfigError, stageConfig } from '#lib/config/stages';

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
