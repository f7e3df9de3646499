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
 * The access policy of a municipality's receipts topic: its publisher principal may subscribe (e-mail,
 * SQS, HTTPS) and read the topic's attributes; only the owning account (the notices function) publishes;
 * nothing without TLS.
 */
export function receiptsTopicPolicy(topicArn: string, publisherArn: string, ownerAccount: string) {
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
          'sns:Publish',
        ],
        Resource: topicArn,
      },
      {
        Sid: 'PublisherSubscribes',
        Effect: 'Allow',
        Principal: { AWS: publisherArn },
        Action: ['sns:Subscribe', 'sns:GetTopicAttributes'],
        Resource: topicArn,
      },
      {
        Sid: 'OnlyOwnerPublishes',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Resource: topicArn,
        Condition: { StringNotEquals: { 'aws:PrincipalAccount': ownerAccount } },
      },
      {
        Sid: 'TlsOnly',
        Effect: 'Deny',
        Principal: '*',
        Action: ['sns:Publish', 'sns:Subscribe'],
        Resource: topicArn,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  };
}

/** The policy of a municipality's topic of a kind. */
export function municipalityTopicPolicy(
  kind: 'ingest' | 'receipts',
  topicArn: string,
  publisherArn: string,
  ownerAccount: string,
) {
  return (kind === 'ingest' ? ingestTopicPolicy : receiptsTopicPolicy)(topicArn, publisherArn, ownerAccount);
}

/**
 * The IAM policy the municipality attaches, in its own account, to its publisher role: publish to its
 * ingest topic, use the stage's notices key (only through SNS: a cross-account publisher needs both this
 * and the key's own policy), and subscribe to its receipts topic. Printed by
 * `npm run municipality -- policy <code>`; docs/examples/publisher-policy.json is the same with placeholders.
 */
export function publisherPolicy(target: {
  ingestTopicArn: string;
  receiptsTopicArn: string;
  noticesKeyArn: string;
  region: string;
}) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'PublishNoticesToXid',
        Effect: 'Allow',
        Action: 'sns:Publish',
        Resource: target.ingestTopicArn,
      },
      {
        Sid: 'EncryptNoticesThroughSns',
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: target.noticesKeyArn,
        Condition: { StringEquals: { 'kms:ViaService': `sns.${target.region}.amazonaws.com` } },
      },
      {
        Sid: 'SubscribeToXidReceipts',
        Effect: 'Allow',
        Action: ['sns:Subscribe', 'sns:GetTopicAttributes'],
        Resource: target.receiptsTopicArn,
      },
    ],
  };
}
