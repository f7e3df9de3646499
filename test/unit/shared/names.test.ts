import { describe, expect, it } from 'vitest';
import {
  BEARER,
  BEARER_VALIDATION_REGEX,
  municipalityOfIngestTopic,
  platformOf,
  pushPlatformKeys,
  resourceName,
  topicArn,
  topicArnPattern,
  topicName,
} from '#functions/shared/names';

describe('derived names', () => {
  const prefix = 'arn:aws:sns:ap-northeast-1:123456789012:xid-prod';

  it('derive ingest and push topics from the stage prefix', () => {
    expect(topicName(prefix, 'ingest', '131091')).toBe('xid-prod-ingest-131091');
    expect(topicName(prefix, 'push', '131091')).toBe('xid-prod-push-131091');
    expect(topicArn(prefix, 'push', '131091')).toBe(
      'arn:aws:sns:ap-northeast-1:123456789012:xid-prod-push-131091',
    );
    expect(topicArnPattern(prefix, 'push')).toBe(`${prefix}-push-*`);
    expect(resourceName('prod', 'mail')).toBe('xid-prod-mail');
  });

  it('find the municipality of an ingest topic of this stage only', () => {
    expect(municipalityOfIngestTopic(prefix, `${prefix}-ingest-131091`)).toBe('131091');
    expect(municipalityOfIngestTopic(prefix, `${prefix}-push-131091`)).toBeUndefined();
    expect(municipalityOfIngestTopic(prefix, `${prefix}-ingest-13109`)).toBeUndefined();
    expect(municipalityOfIngestTopic(prefix, `${prefix}-ingest-131091x`)).toBeUndefined();
    const otherStage = 'arn:aws:sns:ap-northeast-1:123456789012:xid-dev';
    expect(municipalityOfIngestTopic(prefix, `${otherStage}-ingest-131091`)).toBeUndefined();
    const otherAccount = 'arn:aws:sns:ap-northeast-1:999999999999:xid-prod';
    expect(municipalityOfIngestTopic(prefix, `${otherAccount}-ingest-131091`)).toBeUndefined();
  });

  it('map the configured stores to SNS platforms', () => {
    expect(pushPlatformKeys({ apns: { sandbox: true }, fcm: {} })).toEqual({
      apns: 'APNS_SANDBOX',
      fcm: 'GCM',
    });
    expect(pushPlatformKeys({ apns: { sandbox: false } })).toEqual({ apns: 'APNS' });
    expect(platformOf('fcm', true)).toBe('GCM');
  });

  it('give the authorizer the same Bearer pattern the handlers use, without the capture group', () => {
    const header = 'Bearer aaa.bbb.ccc';
    expect(BEARER.exec(header)?.[1]).toBe('aaa.bbb.ccc');
    expect(new RegExp(BEARER_VALIDATION_REGEX).test(header)).toBe(true);
    expect(new RegExp(BEARER_VALIDATION_REGEX).test('Bearer aaa.bbb')).toBe(false);
    expect(BEARER_VALIDATION_REGEX).not.toContain('(');
  });
});
