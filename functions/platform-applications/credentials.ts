import * as z from 'zod';
import type { PushPlatform } from '../shared/names.ts';

/**
 * Turns push credentials kept in Secrets Manager into the attributes of an SNS platform application.
 * The secret's shape per store is documented in docs/operations.md. No AWS here: the use case reads the
 * secret and calls SNS through its ports; this module only checks and maps, so that a malformed secret fails the deployment
 * with a message that names the missing member and never echoes a credential.
 */
const apnsSecret = z.object({
  /** The .p8 signing key (PEM) of an APNs auth key. */
  signingKey: z.string().includes('PRIVATE KEY'),
  keyId: z.string().regex(/^[A-Z0-9]{10}$/),
  teamId: z.string().regex(/^[A-Z0-9]{10}$/),
  bundleId: z.string().min(3),
});

const fcmSecret = z.object({
  /** The Firebase service account JSON, as a string or an object. */
  serviceAccount: z.union([z.string().min(2), z.record(z.string(), z.unknown())]),
});

export class CredentialsError extends Error {
  override name = 'CredentialsError';
}

/** The SNS `Attributes` for CreatePlatformApplication / SetPlatformApplicationAttributes. */
export function platformAttributes(platform: PushPlatform, secretString: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new CredentialsError(`The ${platform} credentials secret is not JSON`);
  }
  if (platform === 'GCM') {
    const result = fcmSecret.safeParse(parsed);
    if (!result.success) throw new CredentialsError(describe(platform, result.error));
    const account = result.data.serviceAccount;
    return { PlatformCredential: typeof account === 'string' ? account : JSON.stringify(account) };
  }
  const result = apnsSecret.safeParse(parsed);
  if (!result.success) throw new CredentialsError(describe(platform, result.error));
  return {
    PlatformCredential: result.data.signingKey,
    PlatformPrincipal: result.data.keyId,
    ApplePlatformTeamID: result.data.teamId,
    ApplePlatformBundleID: result.data.bundleId,
  };
}

function describe(platform: PushPlatform, error: z.ZodError): string {
  const members = [...new Set(error.issues.map((issue) => issue.path.join('.') || '(root)'))];
  return `The ${platform} credentials secret is missing or has invalid members: ${members.join(', ')}`;
}
