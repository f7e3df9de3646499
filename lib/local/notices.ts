import { appendFileSync } from 'node:fs';
import {
  GetEndpointAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import type { Handler, SNSEvent } from 'aws-lambda';
import { LOCAL_CREDENTIALS } from '../../functions/shared/names.ts';
import { lambdaContext } from './apigw-event.ts';

/**
 * Local delivery for notices (design.md §4.3). moto delivers topic messages to HTTP subscribers but not to
 * platform endpoints, so the local runtime subscribes itself over HTTP: an ingest-topic message becomes an
 * SNS Lambda event for the notices function (a failure goes to the local dead-letter file, as Lambda's
 * on-failure destination would take it), and a push-topic message is handed to the push gateway, which
 * plays APNs/FCM and keeps what each enabled device endpoint's token received.
 */
export interface SnsHttpMessage {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject?: string | null;
  Message: string;
  Timestamp: string;
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
  /** What a device token received, once every delivery under way has finished. */
  pushesFor(token: string): Promise<unknown[]>;
  deadLetters(): unknown[];
}

export function localNotices(awsEndpoint: string, region: string, deadLetterFile: string): LocalNotices {
  const sns = new SNSClient({ endpoint: awsEndpoint, region, credentials: LOCAL_CREDENTIALS });
  const pushes = new Map<string, unknown[]>();
  const inflight = new Set<Promise<void>>();
  /**
   * Pushes published to one device endpoint (not through a topic): moto keeps them on the endpoint and
   * shows them in its state dump; each is stamped with the time this gateway first saw it.
   */
  const firstSeen = new Map<string, string>();
  const endpointPushes = async (token: string) => {
    const response = await fetch(`${awsEndpoint}/moto-api/data.json`);
    const data = (await response.json()) as {
      sns?: { PlatformEndpoint?: { token?: string; enabled?: boolean; messages?: Record<string, string> }[] };
    };
    const out: { at: string; payload: unknown }[] = [];
    for (const endpoint of data.sns?.PlatformEndpoint ?? []) {
      if (endpoint.token !== token || !endpoint.enabled) continue;
      for (const [id, message] of Object.entries(endpoint.messages ?? {})) {
        if (!firstSeen.has(id)) firstSeen.set(id, new Date().toISOString());
        let payload: unknown = message;
        try {
          payload = JSON.parse(message);
        } catch {
          // a plain text message
        }
        out.push({ at: firstSeen.get(id) as string, payload });
      }
    }
    return out;
  };
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
    pushesFor: async (token) => {
      await Promise.all([...inflight]);
      return [...(pushes.get(token) ?? []), ...(await endpointPushes(token))];
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
