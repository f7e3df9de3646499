import { describe, expect, it } from 'vitest';
import { ingestTopicPolicy } from '#functions/notices/topic-policy';

const A = 'arn:aws:iam::111111111111:role/shinagawa-notices';
const TOPIC = 'arn:aws:sns:ap-northeast-1:123456789012:xid-prod-ingest-131091';

describe('ingest topic policy', () => {
  it("names only municipality A's principal as a publisher", () => {
    const policy = ingestTopicPolicy(TOPIC, A, '123456789012');
    const publishers = policy.Statement.filter(
      (s) => s.Effect === 'Allow' && [s.Action].flat().includes('sns:Publish'),
    ).map((s) => s.Principal);
    expect(publishers).toEqual([{ AWS: A }]);
    expect(JSON.stringify(policy).match(/arn:aws:iam::\d{12}:role\/[\w-]+/g)).toEqual([A, A]);
  });

  it('denies publishing to everyone else, and without TLS', () => {
    const policy = ingestTopicPolicy(TOPIC, A, '123456789012');
    const denies = policy.Statement.filter((s) => s.Effect === 'Deny');
    expect(denies.map((s) => s.Condition)).toEqual([
      { ArnNotEquals: { 'aws:PrincipalArn': A } },
      { Bool: { 'aws:SecureTransport': 'false' } },
    ]);
    for (const s of policy.Statement) expect(s.Resource).toBe(TOPIC);
  });
});

describe('ingest key policy', () => {
  it('lets the publisher make and open data keys only through SNS, and names no one else but the owner', async () => {
    const { ingestKeyPolicy } = await import('#functions/notices/topic-policy');
    const policy = ingestKeyPolicy('123456789012', A, 'ap-northeast-1');
    const publisher = policy.Statement.find((s) => (s.Principal as { AWS: string }).AWS === A);
    expect(publisher?.Action).toEqual(['kms:GenerateDataKey', 'kms:Decrypt']);
    expect(publisher?.Condition).toEqual({
      StringEquals: { 'kms:ViaService': 'sns.ap-northeast-1.amazonaws.com' },
    });
    expect(policy.Statement.map((s) => (s.Principal as { AWS: string }).AWS)).toEqual([
      'arn:aws:iam::123456789012:root',
      A,
    ]);
  });
});
