/**
 * The access policy of a municipality's ingest topic: its publisher principal, and nobody else, may
 * publish, and only over TLS. Everything else stays with the owning account (subscribing the notices
 * function, deleting the topic at offboarding).
 */
export function ingestTopicPolicy(topicArn: string, publisherArn: string, ownerAccount: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OwnerManages',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ownerAccount}:root` },
        Action: [
          'sns:GetTopicAttributes',
          'sns:SetTopicAttributes',
          'sns:Subscribe',
          'sns:ListSubscriptionsByTopic',
          'sns:DeleteTopic',
        ],
        Resource: topicArn,
      },
      {
        Sid: 'PublisherPublishes',
        Effect: 'Allow',
        Principal: { AWS: publisherArn },
        Action: 'sns:Publish',
        Resource: topicArn,
      },
      {
        Sid: 'NobodyElsePublishes',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Resource: topicArn,
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': publisherArn } },
      },
      {
        Sid: 'TlsOnly',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Resource: topicArn,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  };
}
