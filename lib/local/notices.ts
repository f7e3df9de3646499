import { timingSafeEqual } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import {
  GetEndpointAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import type { Handler, SNSEvent } from 'aws-lambda';
import { LOCAL_CREDENTIALS } from '../../functions/shared/names.ts';
import type { ProblemCode } from '../../functions/shared/problems.ts';
import { lambdaContext } from './apigw-event.ts';

/**
 * Local delivery for notices (design.md §4.3). moto delivers topic messages to HTTP subscribers but not to
 * platform endpoints, so the local runtime subscribes itself over HTTP: an ingest-topic message becomes an
 * SNS Lambda event for the notices function (a failure goes to the local dead-letter file, as Lambda's
 * on-failure destination would take it), and a push-topic message is handed to the push gateway, which
 * plays APNs/FCM and keeps what each enabled device endpoint's token received. A message published to one
 * device's endpoint is read from moto when that device asks for its pushes.
 */
export interface SnsHttpMessage {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject?: string | null;
  Message: string;
  Timestamp: string;
}

export type SnsEndpointKind = 'ingest' | 'push';

/**
 * The path of one of the runtime's SNS subscription endpoints. The secret (random, made at each start, kept
 * only in memory, in the subscriptions and in the state folder's `runtime.json`) means that nobody who has
 * not read that folder can deliver a notice: not another local user, not a web page.
 */
export const snsPath = (secret: string, kind: SnsEndpointKind) => `/_local/sns/${secret}/${kind}`;

const SNS_MESSAGE_TYPES = new Set(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']);

/**
 * Reads a POST to `/_local/sns/…` as SNS delivers over HTTP, or says why not: the path must carry the secret
 * (404 otherwise, as for any unknown path); `x-amz-sns-message-type` must be set and name the body's `Type`
 * (a browser cannot set that header on a cross-site request without CORS, which these endpoints never grant;
 * `x-amz-sns-topic-arn`, when sent, must name its `TopicArn`); and the body must be the JSON object SNS
 * sends (400 otherwise).
 */
export function readSnsDelivery(
  pathname: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  secret: string,
): { kind: SnsEndpointKind; message: SnsHttpMessage } | { refuse: ProblemCode } {
  const match = /^\/_local\/sns\/([A-Za-z0-9_-]+)\/(ingest|push)$/.exec(pathname);
  const given = Buffer.from(match?.[1] ?? '');
  const expected = Buffer.from(secret);
  if (!match || given.length !== expected.length || !timingSafeEqual(given, expected))
    return { refuse: 'not_found' };
  const type = headers['x-amz-sns-message-type'];
  if (typeof type !== 'string' || !SNS_MESSAGE_TYPES.has(type)) return { refuse: 'forbidden' };
  let message: Partial<Record<keyof SnsHttpMessage, unknown>>;
  try {
    message = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return { refuse: 'malformed_json' };
  }
  const fields = ['Type', 'MessageId', 'TopicArn', 'Message', 'Timestamp'] as const;
  if (message === null || typeof message !== 'object' || fields.some((f) => typeof message[f] !== 'string'))
    return { refuse: 'invalid_request' };
  const topic = headers['x-amz-sns-topic-arn'];
  if (message.Type !== type || (topic !== undefined && topic !== message.TopicArn))
    return { refuse: 'forbidden' };
  return { kind: match[2] as SnsEndpointKind, message: message as SnsHttpMessage };
}

export function snsEvent(message: SnsHttpMessage): SNSEvent {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${message.TopicArn}:local`,
        Sns: {
          Type: 'Notification',
          MessageId: message.MessageId,
          TopicArn: message.TopicArn,
          Subject: message.Subject ?? undefined,
          Message: message.Message,
          Timestamp: message.Timestamp,
          SignatureVersion: '1',
          Signature: 'local',
          SigningCertUrl: 'http://127.0.0.1/local',
          UnsubscribeUrl: 'http://127.0.0.1/local',
          MessageAttributes: {},
        },
      },
    ],
  };
}

export interface LocalNotices {
  ingest(message: SnsHttpMessage, handler: Handler): Promise<void>;
  /**
   * Takes a push-topic message and delivers it to the enabled device endpoints in the background: SNS
   * returns from Publish at once, whatever the number of devices, and so must the local stand-in.
   */
  push(message: SnsHttpMessage): void;
  /**
   * What a device token received (topic pushes, and messages published to its own endpoint), once every
   * delivery under way has finished.
   */
  pushesFor(token: string): Promise<unknown[]>;
  deadLetters(): unknown[];
}

/** What moto keeps of a platform endpoint (its model data, `GET /moto-api/data.json`). */
interface MotoEndpoint {
  token: string;
  enabled: boolean;
  messages?: Record<string, string>;
}

/** The platform's share of a per-platform message (`MessageStructure: json`), as a device would get it. */
function devicePayload(message: string): unknown {
  try {
    const structure = JSON.parse(message) as Record<string, string>;
    return {
      APNS: structure.APNS ?? structure.APNS_SANDBOX ?? structure.default,
      GCM: structure.GCM ?? structure.default,
    };
  } catch {
    return message;
  }
}

export function localNotices(awsEndpoint: string, region: string, deadLetterFile: string): LocalNotices {
  const sns = new SNSClient({ endpoint: awsEndpoint, region, credentials: LOCAL_CREDENTIALS });
  const pushes = new Map<string, unknown[]>();
  const inflight = new Set<Promise<void>>();
  const delivered = new Set<string>();
  const dead: unknown[] = [];
  return {
    async ingest(message, handler) {
      try {
        await handler(snsEvent(message), lambdaContext('notices'), () => undefined);
      } catch (error) {
        const letter = { at: new Date().toISOString(), error: String(error), event: snsEvent(message) };
        dead.push(letter);
        appendFileSync(deadLetterFile, `${JSON.stringify(letter)}\n`);
      }
    },
    push(message) {
      const delivery = deliver(message).catch((error: unknown) => {
        console.error('local push gateway: delivery failed', error);
      });
      inflight.add(delivery);
      void delivery.finally(() => inflight.delete(delivery));
    },
    async pushesFor(token) {
      await Promise.all([...inflight]);
      // A Publish to one device's endpoint (the status check's) is kept by moto on the endpoint, and
      // delivered nowhere: it is collected here when the device looks, once per message.
      const response = await fetch(`${awsEndpoint}/moto-api/data.json`);
      const data = (await response.json()) as { sns?: { PlatformEndpoint?: MotoEndpoint[] } };
      for (const endpoint of data.sns?.PlatformEndpoint ?? []) {
        if (endpoint.token !== token || !endpoint.enabled) continue;
        for (const [messageId, message] of Object.entries(endpoint.messages ?? {})) {
          if (delivered.has(messageId)) continue;
          delivered.add(messageId);
          pushes.set(token, [
            ...(pushes.get(token) ?? []),
            { at: new Date().toISOString(), payload: devicePayload(message) },
          ]);
        }
      }
      return pushes.get(token) ?? [];
    },
    deadLetters: () => dead,
  };

  async function deliver(message: SnsHttpMessage): Promise<void> {
    let payload: unknown = message.Message;
    try {
      payload = JSON.parse(message.Message);
    } catch {
      // the `default` text
    }
    let next: string | undefined;
    do {
      const page = await sns.send(
        new ListSubscriptionsByTopicCommand({ TopicArn: message.TopicArn, NextToken: next }),
      );
      for (const subscription of page.Subscriptions ?? []) {
        if (subscription.Protocol !== 'application' || !subscription.Endpoint) continue;
        const { Attributes } = await sns.send(
          new GetEndpointAttributesCommand({ EndpointArn: subscription.Endpoint }),
        );
        if (Attributes?.Enabled !== 'true' || !Attributes.Token) continue;
        pushes.set(Attributes.Token, [
          ...(pushes.get(Attributes.Token) ?? []),
          { at: message.Timestamp, payload },
        ]);
      }
      next = page.NextToken;
    } while (next);
  }
}
