#!/usr/bin/env -S npx tsx
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { relyingPartyStore } from '../functions/adapters/oidc-store.ts';
import {
  listRelyingParties,
  registerRelyingParty,
  removeRelyingParty,
  updateRelyingParty,
} from '../functions/oidc/onboarding.ts';
import type { OnboardingPorts } from '../functions/oidc/ports.ts';
import { RelyingPartyError, type RelyingPartyInput } from '../functions/oidc/relying-party.ts';
import { ENV } from '../functions/shared/env.ts';
import { STAGES, stageConfig } from '../lib/config/stages.ts';
import { readRuntimeRecord } from '../lib/local/runtime.ts';

const USAGE = `npm run client -- <command> [options]   relying parties of Sign in with xID (design.md §3.13)

  register --name <name> --redirect-uri <uri> [--redirect-uri <uri> …]
           (--jwks-file <path> | --jwks-uri <url>) --sector <host> --claims <claim,claim,…>
  list
  update <clientId> [--name …] [--redirect-uri … …] [--jwks-file … | --jwks-uri …] [--claims …]
  remove <clientId>

  --stage local|dev|staging|prod   where (default local: the running \`npm start\`; others use the
                                   shell's AWS credentials and the Xid-<stage>-Stateful stack)
  claims: name, gender, birthdate, address, email, email_verified, municipality_code (or "" for none)

The result is printed as JSON on the last line: the client (register, update), the list (list), or
{"clientId", "removed": true} (remove). Errors are one line on stderr, with exit status 2.`;

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function fail(message: string): never {
  console.error(`client: ${message}`);
  process.exit(2);
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      stage: { type: 'string', default: 'local' },
      name: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'jwks-file': { type: 'string' },
      'jwks-uri': { type: 'string' },
      sector: { type: 'string' },
      claims: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
try {
  parsed = parse();
} catch (error) {
  fail(`${(error as Error).message.split('. ')[0]} (see --help)`);
}
const { positionals, values } = parsed;
const [command, clientId, ...extra] = positionals;
if (values.help || !command) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}
if (extra.length > 0) fail(`unexpected argument ${extra[0]} (see --help)`);
if (!(STAGES as readonly string[]).includes(values.stage as string))
  fail(`unknown stage ${values.stage}; expected one of ${STAGES.join(', ')}`);

/** Points the adapters at the stage's table: the local stand-in, or AWS with the shell's credentials. */
async function tableOfStage(stage: string): Promise<string> {
  if (stage === 'local') {
    const record = readRuntimeRecord();
    if (!record) fail('npm start is not running (no .xid-local/runtime.json); start it first');
    for (const name of ['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', ENV.localAwsEndpoint]) {
      const value = record.environment[name];
      if (value) process.env[name] = value;
    }
    return record.environment[ENV.tableName] ?? fail('the runtime record names no table');
  }
  const config = stageConfig(stage);
  process.env.AWS_REGION = config.region;
  const { Stacks } = await new CloudFormationClient({ region: config.region }).send(
    new DescribeStacksCommand({ StackName: `Xid-${stage}-Stateful` }),
  );
  return (
    Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'TableName')?.OutputValue ??
    fail(`the stack Xid-${stage}-Stateful has no TableName output`)
  );
}

function jwksFromFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return fail(`cannot read the JWK Set in ${path}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** The options given, as onboarding input; what is not given stays undefined. */
function input(): Partial<RelyingPartyInput> {
  if (values['jwks-file'] && values['jwks-uri']) fail('give --jwks-file or --jwks-uri, not both');
  return {
    ...(values.name !== undefined ? { name: values.name } : {}),
    ...(values['redirect-uri'] ? { redirectUris: values['redirect-uri'] } : {}),
    ...(values['jwks-file'] ? { jwks: jwksFromFile(values['jwks-file']) } : {}),
    ...(values['jwks-uri'] ? { jwksUri: values['jwks-uri'] } : {}),
    ...(values.sector !== undefined ? { sector: values.sector } : {}),
    ...(values.claims !== undefined
      ? {
          claims: values.claims
            .split(',')
            .map((c) => c.trim())
            .filter(Boolean),
        }
      : {}),
  };
}

try {
  const stage = values.stage as string;
  const connect = async (): Promise<OnboardingPorts> => ({
    ...relyingPartyStore(await tableOfStage(stage)),
    newId: randomUUID,
    now: () => new Date(),
    allowLoopback: stage === 'local' || stage === 'dev',
  });
  let result: unknown;
  switch (command) {
    case 'register': {
      const given = input();
      const missing = (['name', 'redirectUris', 'sector', 'claims'] as const).find(
        (k) => given[k] === undefined,
      );
      if (missing)
        fail(
          `--${{ name: 'name', redirectUris: 'redirect-uri', sector: 'sector', claims: 'claims' }[missing]} is required`,
        );
      const client = await registerRelyingParty(given as RelyingPartyInput, await connect());
      console.log(`registered ${client.name}; give the relying party its client id ${client.clientId}`);
      result = client;
      break;
    }
    case 'list':
      result = await listRelyingParties(await connect());
      for (const client of result as { clientId: string; name: string; sector: string }[])
        console.log(`${client.clientId}  ${client.name}  (sector ${client.sector})`);
      break;
    case 'update':
      if (!clientId) fail('give the client id to update');
      result = await updateRelyingParty(clientId, input(), await connect());
      break;
    case 'remove':
      if (!clientId) fail('give the client id to remove');
      result = { ...(await removeRelyingParty(clientId, await connect())), removed: true };
      break;
    default:
      fail(`unknown command ${command} (see --help)`);
  }
  console.log(JSON.stringify(result));
} catch (error) {
  if (error instanceof RelyingPartyError) fail(error.message);
  const name = (error as { name?: string }).name ?? 'Error';
  fail(`${name}: ${(error as Error).message?.split('\n')[0] ?? 'failed'}`);
}
