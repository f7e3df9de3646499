/**
 * Functions that are not behind an API route, by id: their handler module and export. The stacks build
 * them from here and `npm run invoke` finds them here; API functions are in the route table.
 */
export interface EventFunction {
  entry: string;
  handler: string;
  /** The event source, which names the folder of its sample events in `events/`. */
  source: 'cloudformation' | 'sns' | 'authorizer';
  description: string;
}

export const EVENT_FUNCTIONS = {
  platformApplications: {
    entry: 'functions/platform-applications/handler.ts',
    handler: 'handler',
    source: 'cloudformation',
    description: 'Custom resource: SNS platform applications from Secrets Manager credentials',
  },
  mailFeedback: {
    entry: 'functions/mail/feedback.ts',
    handler: 'handler',
    source: 'sns',
    description: 'SES bounces and complaints: marks addresses undeliverable',
  },
  notices: {
    entry: 'functions/notices/handler.ts',
    handler: 'handler',
    source: 'sns',
    description:
      "Municipality notices: from an ingest topic, stored once, pushed once to the municipality's push topic",
  },
  endpointEvents: {
    entry: 'functions/notices/endpoint-events.ts',
    handler: 'handler',
    source: 'sns',
    description: 'Push endpoint events: disabled endpoints are recorded and taken off the push topics',
  },
  authorizer: {
    entry: 'functions/auth/authorizer.ts',
    handler: 'handler',
    source: 'authorizer',
    description: 'API Gateway TOKEN authorizer of the /v1/me routes',
  },
} as const satisfies Record<string, EventFunction>;
