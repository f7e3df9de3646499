import type { AlarmChatPorts } from './ports.ts';
import { alarmNotification } from './schemas.ts';

/**
 * Alarms in a chat (the stage configuration's `alarmChatWebhookSecret`): each message of the alarm topic
 * becomes one line of text that says which alarm, which state, why, and where its runbook is (the alarm's
 * description ends with it).
 */
const MARK = { ALARM: '🔴 ALARM', OK: '✅ OK', INSUFFICIENT_DATA: '⚪ INSUFFICIENT_DATA' } as const;
const MAX_TEXT = 1500;

/** The chat line of one alarm-topic message; a message that is not a CloudWatch alarm is passed on as text. */
export function alarmText(message: string, subject?: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    parsed = undefined;
  }
  const alarm = alarmNotification.safeParse(parsed);
  const text = alarm.success
    ? [
        `${MARK[alarm.data.NewStateValue]} ${alarm.data.AlarmName}`,
        alarm.data.AlarmDescription,
        alarm.data.NewStateReason ? `(${alarm.data.NewStateReason})` : undefined,
        alarm.data.StateChangeTime ?? undefined,
      ]
        .filter(Boolean)
        .join(' ')
    : [subject, message].filter(Boolean).join(': ');
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

/** Posts every message to the chat, in order; a failed post fails the whole event (the DLQ keeps it). */
export async function forwardAlarms(
  messages: readonly { message: string; subject?: string }[],
  ports: AlarmChatPorts,
): Promise<number> {
  for (const { message, subject } of messages) await ports.postToChat(alarmText(message, subject));
  return messages.length;
}
