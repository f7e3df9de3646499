/**
 * The shape of the stateful resources, in one place: the Stateful stack builds them in AWS from these
 * definitions and the local runtime builds the same ones in the stand-ins, so the two cannot differ.
 */

/** The single table (design.md §6): long-lived and short-lived items together, the latter with TTL. */
export const TABLE = {
  logicalName: 'Main',
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB deletes the item some time after. Readers still check expiry themselves. */
  ttlAttribute: 'expiresAt',
} as const;

/** KMS keys beside the table's own storage key. */
export const KEYS = {
  /** Envelope encryption of personal fields (design.md §5). Rotated yearly. */
  data: { keySpec: 'SYMMETRIC_DEFAULT', keyUsage: 'ENCRYPT_DECRYPT', rotation: true, alias: 'data' },
  /** Signs access tokens (ES256). Asymmetric keys cannot rotate in place: rotate by adding a key to the JWKS. */
  token: { keySpec: 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY', rotation: false, alias: 'token' },
} as const;

export type KeyName = keyof typeof KEYS;

/** The SNS platform applications for push: one per store, named per stage. */
export const PLATFORM_APPLICATIONS = {
  apns: { platforms: { sandbox: 'APNS_SANDBOX', production: 'APNS' } },
  fcm: { platforms: { sandbox: 'GCM', production: 'GCM' } },
} as const;

export type PlatformName = keyof typeof PLATFORM_APPLICATIONS;

/** A resource name unique per stage, used for names that must be known before deployment. */
export function resourceName(stage: string, name: string): string {
  return `xid-${stage}-${name}`;
}

/** The ARN prefix of a stage's notice topics (`…:xid-<stage>`); ingest and push topics append to it. */
export function topicPrefixOf(
  scope: { formatArn(c: { service: string; resource: string }): string },
  stage: string,
): string {
  return scope.formatArn({ service: 'sns', resource: `xid-${stage}` });
}

/** The platform key (`APNS`, `APNS_SANDBOX`, `GCM`) of each configured application. */
export function pushPlatformKeys(push: {
  apns?: { sandbox: boolean };
  fcm?: unknown;
}): Partial<Record<PlatformName, string>> {
  return {
    ...(push.apns
      ? { apns: PLATFORM_APPLICATIONS.apns.platforms[push.apns.sandbox ? 'sandbox' : 'production'] }
      : {}),
    ...(push.fcm ? { fcm: PLATFORM_APPLICATIONS.fcm.platforms.production } : {}),
  };
}
