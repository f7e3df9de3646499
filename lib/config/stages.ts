import { z } from 'zod';
import type { WafGroup } from '../routes.ts';

/**
 * Per-stage configuration, as typed code in one module. `bin/app.ts` picks a stage with
 * `-c stage=<name>`; the local runtime uses `local`. Everything a deployment differs by lives here; what
 * differs by *deployer* (account, domains, secret names, who gets the alarms) comes from CDK context
 * (`stageOverridesFromContext`), so that someone else can deploy without editing code.
 */
export const STAGES = ['local', 'dev', 'staging', 'prod'] as const;
export type StageName = (typeof STAGES)[number];

export interface PushCredentials {
  /** Name of the Secrets Manager secret holding the credentials (see docs/operations.md for its shape). */
  secretName: string;
}

/** The API's own domain name: an ACM certificate, an API Gateway domain and a base path mapping. */
export interface ApiDomain {
  /** e.g. `api.xid.example.jp`. */
  name: string;
  /** Base path under the domain; empty (the default) maps the API at the root, so routes stay `/v1/…`. */
  basePath?: string;
  /** A Route 53 public hosted zone that holds `name`: validates the certificate and gets the alias record. */
  hostedZone?: { id: string; name: string };
}

export interface AlarmSubscribers {
  /** Addresses subscribed to the alarm topic (each confirms the subscription mail once). */
  emails: string[];
  /**
   * Name of a Secrets Manager secret whose value is the HTTPS URL of a chat incoming webhook (Slack, Google
   * Chat, Teams, Mattermost): a small function forwards every alarm there as a one-line text.
   */
  chatWebhookSecretName?: string;
}

export interface StageConfig {
  stage: StageName;
  /**
   * AWS account the stage deploys to. Required for prod (synthesis refuses it without one, so that the
   * shell's credentials never decide where production goes); elsewhere the CLI's credentials may decide.
   */
  account?: string;
  /** AWS region; must be concrete (the table's customer-managed key needs it). */
  region: string;
  /** Production-grade keeping of data: RETAIN on stateful resources, deletion protection, longer logs. */
  retainData: boolean;
  /** CloudWatch Logs retention of function and access logs, in days. */
  logRetentionDays: 7 | 30 | 90 | 365;
  api: {
    /** Stage-wide steady-state requests per second and burst (API Gateway throttling). */
    rateLimit: number;
    burstLimit: number;
    /** WAF rate-based rule: requests per source IP per 5-minute window before blocking. */
    wafRequestsPer5MinutesPerIp: number;
    /** Optional custom domain; without it the API answers on its execute-api URL. */
    domain?: ApiDomain;
    /**
     * Stricter WAF rate rules for the routes a stranger could abuse, per group of routes (`waf` in the
     * route table): requests per source IP per 5 minutes, answered `429 rate_limited` beyond. The local
     * gateway applies the same rules with the local stage's numbers.
     */
    wafRoutesPer5MinutesPerIp: Record<WafGroup, number>;
  };
  /** Who hears of an alarm: subscribers of the stage's alarm topic. */
  alarms: AlarmSubscribers;
  mail: {
    /** Domain verified as the SES identity. */
    domain: string;
    /** Sender of confirmation mails; must be on `domain`. */
    fromAddress: string;
  };
  push: {
    /** APNs token-based credentials; `sandbox` selects APNS_SANDBOX (development builds of the app). */
    apns?: PushCredentials & { sandbox: boolean };
    /** Firebase Cloud Messaging HTTP v1 credentials (SNS platform `GCM`). */
    fcm?: PushCredentials;
  };
  /**
   * Public base URL for links in mails; defaults to `https://<api.domain.name>[/<basePath>]` when the API has a
   * custom domain; otherwise links use the execute-api URL.
   */
  publicBaseUrl?: string;
  /** Whether certificates issued by test CAs (never J-LIS) may be accepted. Always false in prod. */
  allowTestTrustAnchors: boolean;
  /**
   * Where the JPKI trust material is: each entry an https:// URL or a key in the stage's trust bucket
   * (Stateful stack output `TrustBucketName`). Anchors must be the pinned J-LIS signature CAs unless
   * `allowTestTrustAnchors`.
   */
  jpki: {
    trustAnchors: string[];
    /**
     * CRL sources; an entry ending in `/` is every object under that prefix of the trust bucket (one
     * partition CRL per municipality, jpki.md §3.6).
     */
    crlSources: string[];
    /** A CRL whose thisUpdate is older than this many hours is not used, even before its nextUpdate. */
    maxCrlAgeHours: number;
  };
  /** The status check (現況確認, design.md §3.7): how often it reads the CRLs for new revocations. */
  statusCheck: { intervalMinutes: number };
  /** Re-verification after a move, a name change or a renewal (design.md §3.8; docs/operations.md). */
  reverification: {
    /**
     * Where the certificate linkage is (J-LIS 証明書新旧紐付け情報 from the platform operator): each an
     * https:// URL or a key in the trust bucket, like the CRLs. Empty: re-verification goes by the items.
     */
    linkageSources: string[];
    /**
     * Whether, without a link, an equal date of birth and an equal name or address may show that a new
     * certificate is the same person's (the risk is in docs/operations.md). On by default.
     */
    itemMatch: boolean;
  };
  /**
   * A label for the token-signing keys in use: a new label makes the next deployment rotate them (the
   * previous signer stays published until the rotation after; docs/operations.md). Any short text.
   */
  tokenKeyRotation: string;
}

const DEFAULT_REGION = 'ap-northeast-1';

/**
 * The J-LIS signature CAs of all three generations, and every CRL under `crl/` (J-LIS's partition CRLs,
 * one per municipality), uploaded by the operator (docs/operations.md).
 */
const JLIS_TRUST = {
  trustAnchors: ['anchors/signca01.cer', 'anchors/signca02.cer', 'anchors/signca03.cer'],
  crlSources: ['crl/'],
  maxCrlAgeHours: 48,
};

/** The linkage file the operator uploads next to the CRLs (docs/operations.md), and the item-match rule on. */
const REVERIFICATION = { linkageSources: ['linkage/certificate-links.json'], itemMatch: true };

/**
 * Per client address, per 5 minutes. Generous for a resident (a login is one challenge and one proof) and for
 * the many residents behind one carrier NAT, tight for anyone trying proofs, challenges or mails in bulk.
 */
const WAF_ROUTES: Record<WafGroup, number> = {
  proofs: 100,
  challenges: 200,
  registrations: 50,
  mail: 30,
  emailLinks: 60,
  // Sign in with xID's pages: the authorize endpoint, the request page, its status (polled every 2 s while it
  // waits) and continue; and, stricter, the login hint (each may push to a phone).
  signInPages: 2000,
  loginHint: 30,
};

const base = {
  region: DEFAULT_REGION,
  jpki: JLIS_TRUST,
  statusCheck: { intervalMinutes: 60 },
  reverification: REVERIFICATION,
  api: {
    rateLimit: 50,
    burstLimit: 100,
    wafRequestsPer5MinutesPerIp: 500,
    wafRoutesPer5MinutesPerIp: WAF_ROUTES,
  },
  alarms: { emails: [] },
  tokenKeyRotation: 'initial',
} satisfies Partial<StageConfig>;

const CONFIGS: Record<StageName, StageConfig> = {
  local: {
    ...base,
    stage: 'local',
    // Every test file's requests come from one loopback address: the same rules, with room for a test suite.
    api: {
      ...base.api,
      wafRequestsPer5MinutesPerIp: 2000,
      wafRoutesPer5MinutesPerIp: {
        proofs: 200,
        challenges: 400,
        registrations: 100,
        mail: 150,
        emailLinks: 120,
        signInPages: 2000,
        loginHint: 120,
      },
    },
    retainData: false,
    logRetentionDays: 7,
    mail: { domain: 'xid.localhost', fromAddress: 'no-reply@xid.localhost' },
    // The local runtime makes its own test PKI under .xid-local/ and adds XID_TRUST_ANCHORS/XID_CRL_SOURCES
    // (and the linkage file, XID_LINKAGE_SOURCES).
    jpki: { ...JLIS_TRUST, trustAnchors: [], crlSources: [] },
    reverification: { ...REVERIFICATION, linkageSources: [] },
    push: { apns: { secretName: 'xid/local/apns', sandbox: true }, fcm: { secretName: 'xid/local/fcm' } },
    allowTestTrustAnchors: true,
  },
  dev: {
    ...base,
    stage: 'dev',
    retainData: false,
    logRetentionDays: 30,
    mail: { domain: 'dev.xid.example.jp', fromAddress: 'no-reply@dev.xid.example.jp' },
    push: { apns: { secretName: 'xid/dev/apns', sandbox: true }, fcm: { secretName: 'xid/dev/fcm' } },
    allowTestTrustAnchors: true,
  },
  staging: {
    ...base,
    stage: 'staging',
    retainData: false,
    logRetentionDays: 30,
    mail: { domain: 'staging.xid.example.jp', fromAddress: 'no-reply@staging.xid.example.jp' },
    push: {
      apns: { secretName: 'xid/staging/apns', sandbox: false },
      fcm: { secretName: 'xid/staging/fcm' },
    },
    allowTestTrustAnchors: true,
  },
  prod: {
    ...base,
    stage: 'prod',
    retainData: true,
    logRetentionDays: 365,
    // A disaster notice brings some 1,200 residents a second to log in and read the inbox (design.md §7,
    // docs/capacity.md): about 3,700 requests a second. API Gateway's account quota is 10,000 (burst 5,000).
    api: {
      ...base.api,
      rateLimit: 5000,
      burstLimit: 5000,
      wafRequestsPer5MinutesPerIp: 300,
    },
    mail: { domain: 'xid.example.jp', fromAddress: 'no-reply@xid.example.jp' },
    push: { apns: { secretName: 'xid/prod/apns', sandbox: false }, fcm: { secretName: 'xid/prod/fcm' } },
    allowTestTrustAnchors: false,
  },
};

/** Thrown for an unknown stage name or an inconsistent configuration. */
export class StageConfigError extends Error {
  override name = 'StageConfigError';
}

/**
 * What a deployer may set without editing code, from CDK context: either an object under `xid:<stage>`
 * (in `cdk.json`, `cdk.context.json` or `--context`) or flat keys given with `-c` (`-c account=…`), which
 * win. Unknown keys are refused, so a typo is not silently ignored.
 */
export const stageOverridesSchema = z.strictObject({
  account: z.string().optional(),
  region: z.string().optional(),
  mailDomain: z.string().optional(),
  mailFrom: z.string().optional(),
  apnsSecretName: z.string().optional(),
  fcmSecretName: z.string().optional(),
  apiDomain: z.string().optional(),
  apiBasePath: z.string().optional(),
  hostedZoneId: z.string().optional(),
  hostedZoneName: z.string().optional(),
  publicBaseUrl: z.string().optional(),
  /** Comma-separated when given with `-c`. */
  alarmEmails: z.union([z.string(), z.array(z.string())]).optional(),
  alarmChatWebhookSecret: z.string().optional(),
});
export type StageOverrides = z.infer<typeof stageOverridesSchema>;

/** The flat `-c` keys `stageOverridesFromContext` reads, as `cdk synth -c key=value` gives them. */
export const OVERRIDE_KEYS = Object.keys(stageOverridesSchema.shape) as (keyof StageOverrides)[];

/**
 * The overrides of a stage from CDK context (`app.node.tryGetContext`): the `xid:<stage>` object, then the
 * flat keys. Refuses what is not a known key with a message that names it.
 */
export function stageOverridesFromContext(stage: string, context: (key: string) => unknown): StageOverrides {
  const object = context(`xid:${stage}`);
  const parsedObject = typeof object === 'string' ? (JSON.parse(object) as unknown) : (object ?? {});
  const flat: Record<string, unknown> = {};
  for (const key of OVERRIDE_KEYS) {
    const value = context(key);
    if (value !== undefined && value !== '') flat[key] = value;
  }
  const result = stageOverridesSchema.safeParse({ ...(parsedObject as object), ...flat });
  if (!result.success) {
    const what = result.error.issues.map((i) =>
      i.code === 'unrecognized_keys'
        ? `unknown setting ${i.keys.join(', ')}`
        : `${i.path.join('.')}: ${i.message}`,
    );
    throw new StageConfigError(`Stage ${stage}: ${what.join('; ')} (known: ${OVERRIDE_KEYS.join(', ')})`);
  }
  return result.data;
}

/**
 * The configuration of a stage, checked, with a deployer's overrides applied (see `stageOverridesSchema`),
 * so that one checked-in file serves every account.
 */
export function stageConfig(name: string, overrides: StageOverrides = {}): StageConfig {
  if (!(STAGES as readonly string[]).includes(name)) {
    throw new StageConfigError(`Unknown stage "${name}"; expected one of ${STAGES.join(', ')}`);
  }
  const defaults = CONFIGS[name as StageName];
  const config: StageConfig = structuredClone(defaults);
  const o = overrides;
  if (o.account) config.account = o.account;
  if (o.region) config.region = o.region;
  if (o.mailDomain) {
    config.mail = { domain: o.mailDomain, fromAddress: o.mailFrom ?? `no-reply@${o.mailDomain}` };
  } else if (o.mailFrom) config.mail.fromAddress = o.mailFrom;
  if (o.apnsSecretName && config.push.apns) config.push.apns.secretName = o.apnsSecretName;
  if (o.fcmSecretName && config.push.fcm) config.push.fcm.secretName = o.fcmSecretName;
  if (o.apiDomain) {
    config.api.domain = {
      name: o.apiDomain,
      ...(o.apiBasePath ? { basePath: o.apiBasePath } : {}),
      ...(o.hostedZoneId || o.hostedZoneName
        ? { hostedZone: { id: o.hostedZoneId ?? '', name: o.hostedZoneName ?? '' } }
        : {}),
    };
  }
  if (o.alarmEmails !== undefined) {
    config.alarms.emails = (Array.isArray(o.alarmEmails) ? o.alarmEmails : o.alarmEmails.split(','))
      .map((e) => e.trim())
      .filter(Boolean);
  }
  if (o.alarmChatWebhookSecret) config.alarms.chatWebhookSecretName = o.alarmChatWebhookSecret;
  if (o.publicBaseUrl) config.publicBaseUrl = o.publicBaseUrl;
  else if (config.api.domain) {
    const path = config.api.domain.basePath ? `/${config.api.domain.basePath}` : '';
    config.publicBaseUrl = `https://${config.api.domain.name}${path}`;
  }
  validate(config);
  return config;
}

/**
 * What synthesis of a stage for deployment adds to `stageConfig`'s checks: prod must name its account, so
 * that whichever credentials happen to be active never decide where production goes.
 */
export function assertDeployable(config: StageConfig): void {
  if (config.stage === 'prod' && !config.account) {
    throw new StageConfigError(
      'Stage prod needs its AWS account: give -c account=<12 digits> (or "account" in the xid:prod context)',
    );
  }
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

function validate(config: StageConfig): void {
  const fail = (message: string): never => {
    throw new StageConfigError(`Stage ${config.stage}: ${message}`);
  };
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(config.region)) {
    fail(`region "${config.region}" is not a concrete AWS region`);
  }
  if (config.account !== undefined && !/^\d{12}$/.test(config.account)) fail('account must be 12 digits');
  if (!DOMAIN.test(config.mail.domain)) fail(`mail domain "${config.mail.domain}" is not a domain name`);
  if (!config.mail.fromAddress.endsWith(`@${config.mail.domain}`)) {
    fail(`mail.fromAddress must be on ${config.mail.domain}`);
  }
  if (config.stage === 'prod' && (config.allowTestTrustAnchors || !config.retainData)) {
    throw new StageConfigError('Stage prod must retain data and must not accept test trust anchors');
  }
  if (!(config.statusCheck.intervalMinutes >= 5 && config.statusCheck.intervalMinutes <= 1440)) {
    fail('statusCheck.intervalMinutes must be between 5 and 1440');
  }
  if (!(config.jpki.maxCrlAgeHours > 0 && config.jpki.maxCrlAgeHours <= 24 * 14)) {
    fail('jpki.maxCrlAgeHours must be between 0 and 336');
  }
  if (config.api.burstLimit < config.api.rateLimit) fail('api.burstLimit must be at least api.rateLimit');
  const domain = config.api.domain;
  if (domain) {
    if (!DOMAIN.test(domain.name)) fail(`API domain "${domain.name}" is not a domain name`);
    if (domain.basePath !== undefined && !/^[A-Za-z0-9._-]+$/.test(domain.basePath)) {
      fail('apiBasePath is one path segment (letters, digits, ".", "_", "-")');
    }
    const zone = domain.hostedZone;
    if (zone) {
      if (!/^Z[A-Z0-9]{1,31}$/.test(zone.id)) fail('hostedZoneId must be a Route 53 zone id (Z…)');
      if (!(domain.name === zone.name || domain.name.endsWith(`.${zone.name}`))) {
        fail(`hostedZoneName must be ${domain.name} or a parent of it`);
      }
    }
  }
  if (config.publicBaseUrl !== undefined && !/^https:\/\/[^/\s]+(\/[^\s]*)?$/.test(config.publicBaseUrl)) {
    fail('publicBaseUrl must be an https:// URL');
  }
  for (const email of config.alarms.emails) {
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) fail(`alarm e-mail "${email}" is not an address`);
  }
  for (const secret of [
    config.push.apns?.secretName,
    config.push.fcm?.secretName,
    config.alarms.chatWebhookSecretName,
  ]) {
    if (secret !== undefined && !/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(secret)) {
      fail(`"${secret}" is not a Secrets Manager secret name`);
    }
  }
}
