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

/**
 * The key policy of a municipality's own ingest-topic key. A publisher in another account can publish to
 * an encrypted topic only if the key lets it make and open data keys, and only through SNS; the owning
 * account keeps administering (and, at offboarding, deleting) the key.
 */
export function ingestKeyPolicy(ownerAccount: string, publisherArn: string, region: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OwnerAdministers',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ownerAccount}:root` },
        Action: [
          'kms:Create*',
          'kms:Describe*',
          'kms:Enable*',
          'kms:List*',
          'kms:Put*',
          'kms:Update*',
          'kms:Revoke*',
          'kms:Disable*',
          'kms:Get*',
          'kms:Delete*',
          'kms:TagResource',
          'kms:UntagResource',
          'kms:ScheduleKeyDeletion',
          'kms:CancelKeyDeletion',
        ],
        Resource: '*',
      },
      {
        Sid: 'PublisherEncryptsThroughSns',
        Effect: 'Allow',
        Principal: { AWS: publisherArn },
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': `sns.${region}.amazonaws.com` } },
      },
    ],
  };
}
