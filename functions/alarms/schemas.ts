import * as z from 'zod';

/**
 * The JSON message CloudWatch publishes to an alarm topic when an alarm changes state (only the members
 * the chat text needs; everything else is tolerated).
 */
export const alarmNotification = z.looseObject({
  AlarmName: z.string().min(1).max(255),
  AlarmDescription: z.string().max(1024).nullish(),
  NewStateValue: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
  NewStateReason: z.string().max(1024).nullish(),
  StateChangeTime: z.string().max(64).nullish(),
});

export type AlarmNotification = z.infer<typeof alarmNotification>;
