import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { AlarmChatPorts } from '../alarms/ports.ts';
import { secrets } from '../shared/clients.ts';

/**
 * An incoming chat webhook (Slack, Google Chat, Mattermost, Teams): its URL is a secret (it carries the
 * token), read once per container from Secrets Manager, either as the bare URL or as `{"url": "…"}`. The
 * body `{"text": …}` is what those webhooks accept. The URL is never logged.
 */
export function chatWebhook(secretName: string): AlarmChatPorts {
  let url: Promise<string> | undefined;
  const readUrl = async () => {
    const { SecretString } = await secrets().send(new GetSecretValueCommand({ SecretId: secretName }));
    const value = (SecretString ?? '').trim();
    const candidate = value.startsWith('{')
      ? String((JSON.parse(value) as { url?: unknown }).url ?? '')
      : value;
    if (!/^https:\/\/[^\s]+$/.test(candidate)) {
      throw new Error(`secret ${secretName} does not hold an https:// webhook URL`);
    }
    return candidate;
  };
  return {
    async postToChat(text) {
      // A failed read is not remembered: the next post (Lambda's retry) reads the secret again.
      url ??= readUrl().catch((error: unknown) => {
        url = undefined;
        throw error;
      });
      const response = await fetch(await url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ text }),
        signal: AbortSignal.timeout(5000),
      });
      if (!response.ok) throw new Error(`the chat webhook answered ${response.status}`);
    },
  } satisfies AlarmChatPorts;
}
