import { describe, expect, it } from 'vitest';
import { alarmText, forwardAlarms } from '#functions/alarms/use-cases';

/** Alarms to a chat: one line per alarm-topic message, in order. */
const alarm = (state: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    AlarmName: 'xid-prod-api-5xx',
    AlarmDescription: 'The API answered 5 or more 5xx in five minutes. Runbook: docs/operations.md#api-5xx',
    NewStateValue: state,
    NewStateReason: 'Threshold Crossed: 1 datapoint [7.0] was >= 5.0',
    StateChangeTime: '2026-01-05T03:00:00.000+0000',
    AWSAccountId: '123456789012',
    Trigger: { MetricName: '5XXError' },
    ...extra,
  });

describe('alarm chat', () => {
  it('says which alarm, which state, why and where the runbook is', () => {
    const text = alarmText(alarm('ALARM'));
    expect(text).toBe(
      '🔴 ALARM xid-prod-api-5xx The API answered 5 or more 5xx in five minutes. Runbook: docs/operations.md#api-5xx (Threshold Crossed: 1 datapoint [7.0] was >= 5.0) 2026-01-05T03:00:00.000+0000',
    );
    expect(alarmText(alarm('OK'))).toMatch(/^✅ OK xid-prod-api-5xx /);
  });

  it('passes on a message that is not an alarm as its subject and text, and keeps a line short', () => {
    expect(alarmText('hello', 'Subject')).toBe('Subject: hello');
    expect(alarmText(alarm('SOMETHING'))).toContain('"AlarmName"');
    expect(alarmText('x'.repeat(5000)).length).toBe(1500);
  });

  it('posts every message in order and stops at the first failure (Lambda retries the event)', async () => {
    const posted: string[] = [];
    const ports = {
      postToChat: async (text: string) => {
        if (text.includes('fail')) throw new Error('webhook answered 500');
        posted.push(text);
      },
    };
    expect(await forwardAlarms([{ message: alarm('ALARM') }, { message: alarm('OK') }], ports)).toBe(2);
    expect(posted).toHaveLength(2);
    await expect(forwardAlarms([{ message: 'fail' }, { message: alarm('OK') }], ports)).rejects.toThrow(
      '500',
    );
    expect(posted).toHaveLength(2);
  });
});
