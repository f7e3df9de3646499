import { describe, expect, it } from 'vitest';
import { ingestTopicPolicy, receiptsTopicPolicy } from '#functions/notices/topic-policy';

const A = 'arn:aws:iam::111111111111:role/shinagawa-notices';
const OWNER = '123456789012';
const TOPIC = 'arn:aws:sns:ap-northeast-1:123456789012:xid-prod-ingest-131091';
const RECEIPTS = 'arn:aws:sns:ap-northeast-1:123456789012:xid-prod-receipts-131091';

describe('ingest topic policy', () => {
  it("names only municipality A's principal as a publisher", () => {
    const policy = ingestTopicPolicy(TOPIC, A, OWNER);
    const publishers = policy.Statement.filter(
      (s) => s.Effect === 'Allow' && [s.Action].flat().includes('sns:Publish'),
    ).map((s) => s.Principal);
    expect(publishers).toEqual([{ AWS: A }]);
    expect(JSON.stringify(policy).match(/arn:aws:iam::\d{12}:role\/[\w-]+/g)).toEqual([A, A]);
  });

  it('denies publishing to everyone else, and without TLS', () => {
    const policy = ingestTopicPolicy(TOPIC, A, OWNER);
    const denies = policy.Statement.filter((s) => s.Effect === 'Deny');
    expect(denies.map((s) => s.Condition)).toEqual([
      { ArnNotEquals: { 'aws:PrincipalArn': A } },
      { Bool: { 'aws:SecureTransport': 'false' } },
    ]);
    for (const s of policy.Statement) expect(s.Resource).toBe(TOPIC);
  });
});

describe('receipts topic policy', () => {
  it('lets the publisher subscribe and read the topic, and nothing more', () => {
    const policy = receiptsTopicPolicy(RECEIPTS, A, OWNER);
    const publisher = policy.Statement.filter((s) => JSON.stringify(s.Principal).includes(A));
    expect(publisher).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: ['sns:Subscribe', 'sns:GetTopicAttributes'] }),
    ]);
  });

  it('lets only the owning account publish, and nothing happen without TLS', () => {
    const policy = receiptsTopicPolicy(RECEIPTS, A, OWNER);
    const denies = policy.Statement.filter((s) => s.Effect === 'Deny');
    expect(denies.map((s) => [s.Action, s.Condition])).toEqual([
      ['sns:Publish', { StringNotEquals: { 'aws:PrincipalAccount': OWNER } }],
      [['sns:Publish', 'sns:Subscribe'], { Bool: { 'aws:SecureTransport': 'false' } }],
    ]);
    for (const s of policy.Statement) expect(s.Resource).toBe(RECEIPTS);
  });
});
