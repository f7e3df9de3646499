/**
 * Per-stage configuration, as typed code in one module. `bin/app.ts` picks a stage with
 * `-c stage=<name>`; the local runtime uses `local`. Everything a deployment differs by lives here.
 */
export const STAGES = ['local', 'dev', 'staging', 'prod'] as const;
export type StageName = (typeof STAGES)[number];

export interface PushCredentials {
  /** Name of the Secrets Manager secret holding the credentials (see docs/operations.md for its shape). */
  secretName: string;
}

export interface StageConfig {
  stage: StageName;
  /** AWS account; left to the CLI's credentials when undefined. */
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
    /**
     * Sign in with xID's public pages, which the rule above leaves out: the authorize endpoint, the request
     * page, its status (polled every 2 s while it waits) and continue; and, stricter, the login hint (each
     * may push to a phone). Requests per source IP per 5 minutes.
     */
    wafSignIn: { pagesPer5MinutesPerIp: number; loginHintsPer5MinutesPerIp: number };
  };
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
  /** Public base URL when the API has a custom domain; otherwise links use the execute-api URL. */
  publicBaseUrl?: string;
  /** Whether certificates issued by test CAs (never J-LIS) may be accepted. Always false in prod. */
  allowTestTrustAnchors: boolean;
  /**
   * Where the JPKI trust material is: each entry an https:// URL or a key in the stage's trust bucket
   * (Stateful stack output `TrustBucketName`). Anchors must be the pinned J-LIS signature CAs unless
   * `allowTestTrustAnchors`.
   */
  jpki: { trustAnchors: string[]; crlSources: string[] };
}

const DEFAULT_REGION = 'ap-northeast-1';

/** The J-LIS signature CAs of all three generations and one CRL, uploaded by the operator (docs/operations.md). */
const JLIS_TRUST = {
  trustAnchors: ['anchors/signca01.cer', 'anchors/signca02.cer', 'anchors/signca03.cer'],
  crlSources: ['crl/signature.crl'],
};

const base = {
  region: DEFAULT_REGION,
  jpki: JLIS_TRUST,
  api: {
    rateLimit: 50,
    burstLimit: 100,
    wafRequestsPer5MinutesPerIp: 500,
    wafSignIn: { pagesPer5MinutesPerIp: 2000, loginHintsPer5MinutesPerIp: 50 },
  },
} satisfies Partial<StageConfig>;

const CONFIGS: Record<StageName, StageConfig> = {
  local: {
    ...base,
    stage: 'local',
    retainData: false,
    logRetentionDays: 7,
    mail: { domain: 'xid.localhost', fromAddress: 'no-reply@xid.localhost' },
    // The local runtime makes its own test PKI under .xid-local/ and adds XID_TRUST_ANCHORS/XID_CRL_SOURCES.
    jpki: { trustAnchors: [], crlSources: [] },
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
    api: {
      rateLimit: 200,
      burstLimit: 400,
      wafRequestsPer5MinutesPerIp: 300,
      wafSignIn: { pagesPer5MinutesPerIp: 2000, loginHintsPer5MinutesPerIp: 30 },
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
 * The configuration of a stage, checked. Overrides (account, region) come from CDK context or the
 * environment so that one checked-in file serves every account.
 */
export function stageConfig(
  name: string,
  overrides: { account?: string; region?: string } = {},
): StageConfig {
  if (!(STAGES as readonly string[]).includes(name)) {
    throw new StageConfigError(`Unknown stage "${name}"; expected one of ${STAGES.join(', ')}`);
  }
  const config: StageConfig = { ...CONFIGS[name as StageName] };
  if (overrides.account) config.account = overrides.account;
  if (overrides.region) config.region = overrides.region;
  validate(config);
  return config;
}

function validate(config: StageConfig): void {
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(config.region)) {
    throw new StageConfigError(
      `Stage ${config.stage}: region "${config.region}" is not a concrete AWS region`,
    );
  }
  if (config.account !== undefined && !/^\d{12}$/.test(config.account)) {
    throw new StageConfigError(`Stage ${config.stage}: account must be 12 digits`);
  }
  if (!config.mail.fromAddress.endsWith(`@${config.mail.domain}`)) {
    throw new StageConfigError(`Stage ${config.stage}: mail.fromAddress must be on ${config.mail.domain}`);
  }
  if (config.stage === 'prod' && (config.allowTestTrustAnchors || !config.retainData)) {
    throw new StageConfigError('Stage prod must retain data and must not accept test trust anchors');
  }
  if (config.api.burstLimit < config.api.rateLimit) {
    throw new StageConfigError(`Stage ${config.stage}: api.burstLimit must be at least api.rateLimit`);
  }
}
