import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { countAwsCalls } from './aws-calls.ts';
import { optional } from './config.ts';
import { CLIENT_BUDGET, isThrottling } from './dependency-failure.ts';
import { ENV } from './env.ts';
import { THROTTLED_LOG_MESSAGE } from './names.ts';
import { logger } from './powertools.ts';

/**
 * The AWS SDK's clients, for what runs rarely and where start-up does not count (the request paths speak
 * DynamoDB, KMS and SNS through their own adapters, `adapters/aws-http.ts` and its protocol modules: the
 * SDK's clients cost every function about 30 ms of start-up): the deployment's custom resource (platform applications, push
 * credentials), the alarm forwarder's secret, and the CLIs (`npm run municipality`); each is created on
 * first use and reused for the life of the container. In local mode every client points at the loopback
 * stand-ins (moto for DynamoDB/KMS/SNS, aws-ses-v2-local for SES) whose addresses the local runtime puts in
 * the environment; in AWS those variables are absent and the defaults apply. With
 * `XID_COUNT_AWS_CALLS=true` (the local runtime sets it) every call is counted (`aws-calls.ts`).
 *
 * No tracing wrapper: Lambda's active tracing records each invocation, and the counts say which AWS calls
 * a request made; the X-Ray SDK would add 110 KB and its start-up time to every function for little more.
 */
function once<T>(create: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= create();
    return value;
  };
}

/** The SDK clients keep the request paths' budget (`CLIENT_BUDGET`, dependency-failure.ts). */
function configFor(): {
  endpoint?: string;
  maxAttempts: number;
  requestHandler: { connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: boolean };
} {
  const endpoint = optional(ENV.localAwsEndpoint);
  return {
    ...(endpoint ? { endpoint } : {}),
    maxAttempts: CLIENT_BUDGET.maxAttempts,
    requestHandler: {
      connectionTimeout: CLIENT_BUDGET.connectionTimeoutMs,
      requestTimeout: CLIENT_BUDGET.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  };
}

type Stackable = { middlewareStack: { add(middleware: never, options: never): void } };

/**
 * Logs every attempt AWS throttled (inside the SDK's retries, so an attempt retried successfully still
 * counts): an early sign of a quota (KMS, DynamoDB) running out, which the throttling alarms watch.
 */
export function countThrottles<C extends Stackable>(client: C, awsService: string): C {
  const middleware =
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
    async (args: unknown) => {
      try {
        return await next(args);
      } catch (error) {
        if (isThrottling(error)) {
          logger.warn(THROTTLED_LOG_MESSAGE, { awsService, operation: context.commandName });
        }
        throw error;
      }
    };
  client.middlewareStack.add(
    middleware as never,
    {
      step: 'finalizeRequest',
      priority: 'low',
      name: 'xidCountThrottles',
    } as never,
  );
  return client;
}

/** The call counter (`aws-calls.ts`), where the local runtime (or a stage, asked to) switches it on. */
function counted<C>(client: C): C {
  return optional(ENV.countAwsCalls) === 'true' ? countAwsCalls(client) : client;
}

// `@__PURE__`: a bundle that never calls a client's getter drops the client (and its SDK) entirely.
/** The SDK's KMS and SNS clients, for the topic management of the CLIs and the deployment's custom resource. */
export const sdkKms = /* @__PURE__ */ once(() => countThrottles(counted(new KMSClient(configFor())), 'KMS'));
export const sdkSns = /* @__PURE__ */ once(() => countThrottles(counted(new SNSClient(configFor())), 'SNS'));
/** Push credentials, read by the platform-applications custom resource at deployment. */
export const secrets = /* @__PURE__ */ once(() => counted(new SecretsManagerClient({ maxAttempts: 3 })));
