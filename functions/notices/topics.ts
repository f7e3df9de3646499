/**
 * Topic names of a stage, from its prefix (`XID_TOPIC_PREFIX`, the ARN of a topic without its name's
 * suffix, e.g. `arn:aws:sns:ap-northeast-1:123456789012:xid-dev`): each municipality has an ingest topic,
 * which its publisher alone may publish to, and a push topic, which the residents' device endpoints
 * subscribe to.
 */
export const ingestTopicName = (prefix: string, code: string) => `${prefix.split(':').at(-1)}-ingest-${code}`;
export const pushTopicName = (prefix: string, code: string) => `${prefix.split(':').at(-1)}-push-${code}`;
export const pushTopicArn = (prefix: string, code: string) =>
  `${prefix.split(':').slice(0, -1).join(':')}:${pushTopicName(prefix, code)}`;
