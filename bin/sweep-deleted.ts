#!/usr/bin/env -S npx tsx
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { accountSweeper } from '../functions/adapters/deletion-store.ts';
import { ENV } from '../functions/shared/env.ts';
import { stageConfig } from '../lib/config/stages.ts';
import { readRuntimeRecord } from '../lib/local/runtime.ts';

/**
 * `npm run sweep-deleted -- <accountId>… [--stage <stage>]`: finishes the sweep of deleted accounts whose
 * activity entries were not all deleted with them (`DELETE /v1/me` logs "not all swept" with the account
 * id, counts `DeletionSweepsIncomplete`, and leaves `sweep: "pending"` on the tombstone). Idempotent.
 * `--stage local` (the default) works against `npm start`; another stage uses the shell's AWS credentials
 * and the table named by its Xid-<stage>-Notices stack.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { stage: { type: 'string', default: 'local' } },
});
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
if (positionals.length === 0 || !positionals.every((id) => UUID.test(id))) {
  console.error('usage: npm run sweep-deleted -- <accountId>… [--stage <stage>]');
  process.exit(2);
}

async function tableName(): Promise<string> {
  if (values.stage === 'local') {
    const record = readRuntimeRecord();
    if (!record) throw new Error('npm start is not running (no .xid-local/runtime.json); start it first');
    Object.assign(process.env, record.environment);
    return record.environment[ENV.tableName] as string;
  }
  const { region, stage } = stageConfig(values.stage as string);
  process.env.AWS_REGION = region;
  const { Stacks } = await new CloudFormationClient({ region }).send(
    new DescribeStacksCommand({ StackName: `Xid-${stage}-Notices` }),
  );
  const name = Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'TableName')?.OutputValue;
  if (!name) throw new Error(`stack Xid-${stage}-Notices has no TableName output`);
  return name;
}

const sweeper = accountSweeper(await tableName());
for (const accountId of positionals) {
  console.log(`${accountId}: ${await sweeper.sweepAccount(accountId)} items swept`);
}
