import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { TokenKeyAttributes } from '../../functions/auth/use-cases.ts';
import { listOf } from '../../functions/shared/config.ts';
import { ENV } from '../../functions/shared/env.ts';
import {
  LOCAL_CREDENTIALS,
  MOTO_ACCOUNT,
  resourceName,
  topicPrefixName,
} from '../../functions/shared/names.ts';
import { type StageConfig, stageConfig } from '../config/stages.ts';
import { EVENT_FUNCTIONS } from '../event-functions.ts';
import { localStateDir } from '../paths.ts';
import { ROUTES } from '../routes.ts';
import { localCards } from './cards.ts';
import { type FaultRule, faultRules, startFaultProxy } from './fault-proxy.ts';
import { startGateway } from './gateway.ts';
import { answeredHostnames, listenHost } from './hosts.ts';
import { type Invoker, isolationFrom, localInvoker } from './invoker.ts';
import { localNotices, snsPath } from './notices.ts';
import { ensureLocalPki, reissueLocalCrls } from './pki.ts';
import { type LocalResources, provision } from './provision.ts';
import { ensureMoto, freePort, type Service, startMoto, startSes } from './services.ts';
import { pushApplicationsOf, watchPushTopics } from './topics.ts';

export interface LocalRuntimeOptions {
  /** API port; 0 picks a free one. Default `XID_PORT` or 3000. */
  port?: number;
  /** SES stand-in (mailbox page) port; 0 picks a free one. Default `XID_MAIL_PORT` or 8005. */
  mailPort?: number;
  /** moto port; default `XID_MOTO_PORT` or a free one. */
  motoPort?: number;
  /** Address the API listens on; default `XID_HOST` or 127.0.0.1 (see lib/local/hosts.ts). */
  host?: string;
  /**
   * Functions (ids, comma-separated, or `*`) to run each in its own container process, as Lambda does;
   * default `XID_ISOLATE`, else none (all run in this process, sharing modules).
   */
  isolate?: string;
  /**
   * Whether the gateway plays the WAF's per-address rate rules; default `XID_RATE_LIMITS` (`off` turns
   * them off), else on. Off is for load benchmarks, whose thousands of residents all come from one loopback
   * address, as no real client does.
   */
  rateLimits?: boolean;
  log?: (line: string) => void;
  /**
   * A stand-in (moto, the SES stand-in) ended on its own: everything after would fail. `npm start` logs it
   * and exits non-zero rather than serve 500s from a runtime with half its services gone.
   */
  onServiceExit?: (name: string, how: string) => void;
}

export interface LocalRuntime {
  apiUrl: string;
  /** The address the API listens on, and the host names it answers. */
  host: string;
  answeredHosts: ReadonlySet<string>;
  mailboxUrl: string;
  awsEndpoint: string;
  resources: LocalResources;
  /** The environment the functions run with, also written to `runtime.json` for `npm run invoke`. */
  environment: Record<string, string>;
  /** Runs the handlers and records each invocation's AWS calls. */
  invoker: Invoker;
  stop(): Promise<void>;
}

/** What `runtime.json` in the state folder records about a running local runtime. */
export interface RuntimeRecord {
  pid: number;
  children: { name: string; pid: number }[];
  apiUrl: string;
  mailboxUrl: string;
  /** moto itself, for tools and tests that look at the table (the functions go through the fault proxy). */
  awsEndpoint: string;
  /** The endpoint that ingest topics deliver to (it carries the start's secret: lib/local/notices.ts). */
  snsIngestUrl: string;
  environment: Record<string, string>;
}

const RECORD_FILE = 'runtime.json';

function portFrom(
  option: number | undefined,
  variable: string,
  fallback: number | undefined,
): number | undefined {
  if (option !== undefined) return option;
  const value = process.env[variable];
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${variable} must be a port number`);
  return port;
}

/** Fault rules given at start (`XID_FAULTS`, a JSON array); a malformed value stops the start with its reason. */
function faultsFromEnvironment(value: string | undefined): FaultRule[] {
  if (!value) return [];
  const parsed = faultRules.safeParse(JSON.parse(value));
  if (!parsed.success) throw new Error(`XID_FAULTS is not a list of fault rules: ${parsed.error.message}`);
  return parsed.data;
}

/** Reads the record of the runtime that last ran from this state folder, if any. */
export function readRuntimeRecord(dir = localStateDir()): RuntimeRecord | undefined {
  const file = path.join(dir, RECORD_FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RuntimeRecord) : undefined;
}

/** Ends children that a previous runtime left behind when it was killed without a chance to clean up. */
function reapLeftovers(dir: string, log: (line: string) => void): void {
  const record = readRuntimeRecord(dir);
  if (!record) return;
  if (isAlive(record.pid))
    throw new Error(`Another local runtime (pid ${record.pid}) uses ${dir}; stop it first`);
  for (const child of record.children) {
    if (isAlive(child.pid)) {
      log(`Stopping ${child.name} (pid ${child.pid}) left over from an earlier run`);
      process.kill(child.pid, 'SIGKILL');
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Brings the whole backend up on this machine: the AWS stand-ins, the resources the stacks define, and
 * the API gateway in front of the same handler modules Lambda runs. The moto stand-in keeps its data in
 * memory, so every start begins with an empty table; the state folder keeps logs and the runtime record.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const log = options.log ?? (() => undefined);
  const config: StageConfig = stageConfig('local');
  const dir = localStateDir();
  mkdirSync(dir, { recursive: true });
  reapLeftovers(dir, log);
  const logDir = path.join(dir, 'logs');

  ensureMoto(log);
  const services: Service[] = [];
  const closers: (() => Promise<void>)[] = [];
  const stopServices = async () => {
    await Promise.all(services.map((s) => s.stop()));
  };
  try {
    const motoPort = portFrom(options.motoPort, 'XID_MOTO_PORT', undefined) || (await freePort());
    const mailPort = portFrom(options.mailPort, 'XID_MAIL_PORT', 8005) || (await freePort());
    const [moto, ses] = await Promise.all([startMoto(motoPort, logDir), startSes(mailPort, logDir)]);
    services.push(moto, ses);
    for (const service of services) {
      service.onUnexpectedExit((how) => options.onServiceExit?.(service.name, how));
    }

    const [resources, pki] = await Promise.all([provision(config, moto.url), ensureLocalPki(dir)]);
    // The handlers reach the stand-ins through the fault-injection seam (no rules: it only forwards).
    const initialFaults = faultsFromEnvironment(process.env.XID_FAULTS);
    const proxies = {
      aws: await startFaultProxy(
        moto.url,
        initialFaults.filter((r) => r.service !== 'ses'),
      ),
      ses: await startFaultProxy(
        ses.url,
        initialFaults.filter((r) => r.service === 'ses'),
      ),
    };
    closers.push(proxies.aws.close, proxies.ses.close);
    const withLocal = (own: string, extra: string | undefined) => [own, ...listOf(extra)].join(',');
    const apiPort = portFrom(options.port, 'XID_PORT', 3000) ?? 3000;
    const { host, warning } = listenHost(options.host ?? process.env.XID_HOST);
    if (warning) log(`warning: ${warning}`);
    const answeredHosts = answeredHostnames(host);
    const environment: Record<string, string> = {
      AWS_REGION: config.region,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      POWERTOOLS_DEV: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: process.env.XID_LOG_LEVEL ?? 'WARN',
      [ENV.stage]: config.stage,
      [ENV.tableName]: resources.tableName,
      [ENV.dataKeyId]: resources.keyArns.data,
      [ENV.tokenKeyId]: resources.keyArns.token,
      [ENV.pairwiseKeyId]: resources.keyArns.pairwise,
      [ENV.challengeKeyId]: resources.keyArns.challenge,
      [ENV.mailFrom]: config.mail.fromAddress,
      [ENV.mailConfigurationSet]: resourceName(config.stage, 'mail'),
      [ENV.trustAnchors]: withLocal(pki.signCaFile, process.env[ENV.trustAnchors]),
      [ENV.crlSources]: withLocal(pki.crlDir, process.env[ENV.crlSources]),
      [ENV.maxCrlAgeHours]: String(config.jpki.maxCrlAgeHours),
      [ENV.linkageSources]: withLocal(pki.linkageFile, process.env[ENV.linkageSources]),
      [ENV.reverificationItemMatch]:
        process.env[ENV.reverificationItemMatch] ?? String(config.reverification.itemMatch),
      [ENV.allowTestAnchors]: String(config.allowTestTrustAnchors),
      [ENV.topicPrefix]: `arn:aws:sns:${config.region}:${MOTO_ACCOUNT}:${topicPrefixName(config.stage)}`,
      [ENV.pushApplications]: JSON.stringify(pushApplicationsOf(config, resources)),
      [ENV.localAwsEndpoint]: proxies.aws.url,
      [ENV.localSesEndpoint]: proxies.ses.url,
      // Links (terms, mails) name the address the client used; the gateway answers only this machine's.
      [ENV.publicBaseUrl]: 'http://{host}',
      // Every AWS call is counted per invocation (GET /_local/invocations, npm run bench:calls).
      [ENV.countAwsCalls]: 'true',
    };
    // Every handler of this process reads its configuration from here, as a Lambda reads its own.
    Object.assign(process.env, environment);
    const notices = localNotices(moto.url, config.region, path.join(dir, 'dead-letters.jsonl'));
    let pushTopics: ReturnType<typeof watchPushTopics> | undefined;
    const snsSecret = randomBytes(24).toString('base64url');
    let apiUrl = '';
    const writeRecord = () => {
      const record: RuntimeRecord = {
        pid: process.pid,
        children: services.map((s) => ({ name: s.name, pid: s.pid })),
        apiUrl,
        mailboxUrl: ses.url,
        awsEndpoint: moto.url,
        snsIngestUrl: `${apiUrl}${snsPath(snsSecret, 'ingest')}`,
        environment,
      };
      // Only this user may read it: it holds the SNS endpoints' secret.
      writeFileSync(path.join(dir, RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
    };
    const invoker = localInvoker({ isolate: isolationFrom(options.isolate ?? process.env.XID_ISOLATE) });
    // The token-signing keys, made as the deployment makes them: the same custom resource, a Create event,
    // and its answer in the functions' environment.
    let rotation = config.tokenKeyRotation;
    const takeTokenKeys = (answer: unknown) => {
      const data = (answer as { Data: TokenKeyAttributes }).Data;
      environment[ENV.tokenKeys] = data.PublicKeys;
      environment[ENV.tokenSigningKey] = data.SigningKey;
      Object.assign(process.env, environment);
    };
    takeTokenKeys(
      await invoker.invoke(EVENT_FUNCTIONS.tokenKeys, customResourceEvent('Create', { Rotation: rotation })),
    );
    invoker.clearRecords();
    const gateway = await startGateway({
      invoker,
      // A deployment with a new rotation label: the custom resource's Update, the new keys in the
      // environment, and every container replaced, as Lambda replaces them when their configuration changes.
      rotateTokenKeys: async () => {
        const old = rotation;
        rotation = `local-${Date.now()}`;
        takeTokenKeys(
          await invoker.invoke(
            EVENT_FUNCTIONS.tokenKeys,
            customResourceEvent('Update', { Rotation: rotation }, { Rotation: old }),
          ),
        );
        writeRecord();
        await invoker.recycle();
      },
      routes: ROUTES,
      host,
      port: apiPort,
      accessLog: log,
      notices,
      faults: {
        list: () => [...proxies.aws.rules(), ...proxies.ses.rules()],
        set: (rules) => {
          proxies.aws.setRules(rules.filter((r) => r.service !== 'ses'));
          proxies.ses.setRules(rules.filter((r) => r.service === 'ses'));
        },
      },
      cards: localCards(pki),
      answeredHosts,
      snsSecret,
      rateLimits:
        (options.rateLimits ?? process.env.XID_RATE_LIMITS !== 'off')
          ? { perIp: config.api.wafRequestsPer5MinutesPerIp, perGroup: config.api.wafRoutesPer5MinutesPerIp }
          : undefined,
      afterRoute: async (routeId) => {
        // Both may make a municipality's push topic (the second when a resident moves).
        if (routeId === 'putNoticeSubscription' || routeId === 'postReverification') await pushTopics?.sync();
      },
    });
    pushTopics = watchPushTopics(
      moto.url,
      config.region,
      environment[ENV.topicPrefix] as string,
      `${gateway.url}${snsPath(snsSecret, 'push')}`,
    );
    // J-LIS issues its CRLs daily; the local PKI does the same, so a long-running runtime stays usable.
    const crlTimer = setInterval(() => {
      reissueLocalCrls(pki.crlDir, pki.signCa).catch((error: unknown) =>
        log(`CRL re-issue failed: ${String(error)}`),
      );
    }, 3_600_000);
    crlTimer.unref();

    apiUrl = gateway.url;
    writeRecord();

    return {
      apiUrl: gateway.url,
      host,
      answeredHosts,
      mailboxUrl: ses.url,
      awsEndpoint: moto.url,
      resources,
      environment,
      invoker,
      stop: async () => {
        clearInterval(crlTimer);
        pushTopics?.stop();
        await gateway.close();
        await Promise.all(closers.map((close) => close()));
        await stopServices();
        rmSync(path.join(dir, RECORD_FILE), { force: true });
      },
    };
  } catch (error) {
    await Promise.all(closers.map((close) => close()));
    await stopServices();
    throw error;
  }
}

/** A CloudFormation event for a custom resource, as the Provider framework hands it over. */
function customResourceEvent(
  type: 'Create' | 'Update',
  properties: Record<string, string>,
  old?: Record<string, string>,
) {
  return {
    RequestType: type,
    ServiceToken: 'local',
    ResponseURL: 'http://127.0.0.1/local',
    StackId: 'local',
    RequestId: 'local',
    LogicalResourceId: 'TokenKeys',
    ResourceType: 'Custom::TokenKeys',
    ResourceProperties: { ServiceToken: 'local', ...properties },
    ...(type === 'Update'
      ? { PhysicalResourceId: 'token-keys', OldResourceProperties: { ServiceToken: 'local', ...old } }
      : {}),
  };
}
