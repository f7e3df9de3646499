import type { FunctionSpec } from './bindings.ts';

/**
 * Functions that are not behind an API route: their handler module, what they may touch, the stack of
 * their capability and how AWS invokes them. The stacks build them from here (as the Api stack builds the
 * API functions from the route table), `npm run invoke` finds them here, and the infrastructure tests
 * check their IAM policies against these bindings.
 */
export interface EventFunction extends FunctionSpec {
  /** The event source, which names the folder of its sample events in `events/`. */
  source: 'cloudformation' | 'sns' | 'authorizer' | 'schedule';
  /** The stack that builds it. */
  stack: 'stateful' | 'api' | 'notices' | 'mail' | 'monitoring';
  invocation: 'sync' | 'async';
}

export const EVENT_FUNCTIONS = {
  platformApplications: {
    id: 'platformApplications',
    entry: 'functions/platform-applications/handler.ts',
    handler: 'handler',
    source: 'cloudformation',
    stack: 'stateful',
    invocation: 'sync',
    binds: { platformApplications: true },
    description: 'Custom resource: SNS platform applications from Secrets Manager credentials',
  },
  tokenKeys: {
    id: 'tokenKeys',
    entry: 'functions/auth/token-keys-handler.ts',
    handler: 'handler',
    source: 'cloudformation',
    stack: 'api',
    invocation: 'sync',
    binds: { tokenKey: 'provision' },
    description:
      'Custom resource: the token-signing keys, made and rotated with their private keys wrapped by KMS',
  },
  authorizer: {
    id: 'authorizer',
    entry: 'functions/auth/authorizer.ts',
    handler: 'handler',
    source: 'authorizer',
    stack: 'api',
    invocation: 'sync',
    binds: { tokenKey: 'verify' },
    description: 'API Gateway TOKEN authorizer of the /v1/me routes',
  },
  notices: {
    id: 'notices',
    entry: 'functions/notices/ingest-handler.ts',
    handler: 'handler',
    source: 'sns',
    stack: 'notices',
    invocation: 'async',
    binds: { table: 'readWrite', pushTopics: 'publish', receipts: 'publish' },
    description:
      "Municipality notices: from an ingest topic, stored once, pushed once to the municipality's push topic, a receipt to its receipts topic",
  },
  endpointEvents: {
    id: 'endpointEvents',
    entry: 'functions/push/endpoint-events-handler.ts',
    handler: 'handler',
    source: 'sns',
    stack: 'notices',
    invocation: 'async',
    binds: { table: 'readWrite', pushTopics: 'unsubscribe' },
    description: 'Push endpoint events: disabled endpoints are recorded and taken off the push topics',
  },
  statusCheck: {
    id: 'statusCheck',
    entry: 'functions/status-check/handler.ts',
    handler: 'handler',
    source: 'schedule',
    stack: 'api',
    invocation: 'async',
    binds: { table: 'readWrite', jpki: true, mail: true, devicePush: true },
    // A run with 100,000 new revocations takes minutes: lookups and writes, not CPU.
    timeoutSeconds: 900,
    memorySize: 1024,
    description:
      'Status check (現況確認): new revocations on the CRLs move accounts to reverification_required and tell the resident',
  },
  mailFeedback: {
    id: 'mailFeedback',
    entry: 'functions/mail/feedback-handler.ts',
    handler: 'handler',
    source: 'sns',
    stack: 'mail',
    invocation: 'async',
    binds: { table: 'write' },
    description: 'SES bounces and complaints: marks addresses undeliverable',
  },
  alarmChat: {
    id: 'alarmChat',
    entry: 'functions/alarms/chat-handler.ts',
    handler: 'handler',
    source: 'sns',
    stack: 'monitoring',
    invocation: 'async',
    binds: { chatWebhook: true },
    description: "Alarms to the stage's chat webhook, one line each (subscribed only when one is configured)",
  },
} as const satisfies Record<string, EventFunction>;

export type EventFunctionId = keyof typeof EVENT_FUNCTIONS;

/** The event functions a stack builds. */
export function eventFunctionsOf(stack: EventFunction['stack']): EventFunction[] {
  return Object.values(EVENT_FUNCTIONS).filter((fn) => fn.stack === stack);
}
