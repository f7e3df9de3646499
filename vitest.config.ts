import { defineConfig } from 'vitest/config';

/**
 * Three layers (style.md §9): unit (no network, no processes), infra (CDK templates and cdk-nag) and
 * integration (the local runtime, started and stopped by the tests themselves). `npm test` runs all three.
 */
const env = {
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_DEV: 'true',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          env: {
            ...env,
            XID_STAGE: 'unit',
            XID_TABLE_NAME: 'unit-table',
            XID_DATA_KEY_ID: 'arn:aws:kms:ap-northeast-1:123456789012:key/unit',
            XID_TOPIC_PREFIX: 'arn:aws:sns:ap-northeast-1:123456789012:xid-unit',
            XID_CHAT_WEBHOOK_SECRET: 'unit/alarm-chat',
          },
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          env,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          setupFiles: ['test/e2e/contract-setup.ts'],
          env,
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One local runtime per file; files run one after another on the 2-core machines.
          fileParallelism: false,
        },
      },
    ],
  },
});
