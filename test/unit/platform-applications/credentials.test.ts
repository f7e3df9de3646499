import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CredentialsError, platformAttributes } from '#functions/platform-applications/credentials';

const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();

describe('push platform credentials', () => {
  it('maps an APNs token secret to the SNS attributes', () => {
    const secret = { signingKey: pem, keyId: 'ABCDE12345', teamId: 'TEAM123456', bundleId: 'jp.example.xid' };
    expect(platformAttributes('APNS', JSON.stringify(secret))).toEqual({
      PlatformCredential: pem,
      PlatformPrincipal: 'ABCDE12345',
      ApplePlatformTeamID: 'TEAM123456',
      ApplePlatformBundleID: 'jp.example.xid',
    });
  });

  it('maps an FCM service account, given as an object or a string', () => {
    const account = { type: 'service_account', project_id: 'p', private_key: pem };
    expect(platformAttributes('GCM', JSON.stringify({ serviceAccount: account }))).toEqual({
      PlatformCredential: JSON.stringify(account),
    });
    expect(platformAttributes('GCM', JSON.stringify({ serviceAccount: '{"a":1}' }))).toEqual({
      PlatformCredential: '{"a":1}',
    });
  });

  it('names the missing members without echoing any credential', () => {
    const secret = JSON.stringify({ signingKey: pem, keyId: 'bad' });
    let message = '';
    try {
      platformAttributes('APNS_SANDBOX', secret);
    } catch (error) {
      expect(error).toBeInstanceOf(CredentialsError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/keyId/);
    expect(message).toMatch(/teamId/);
    expect(message).not.toContain('PRIVATE KEY');
    expect(message).not.toContain('bad');
  });

  it('refuses a secret that is not JSON', () => {
    expect(() => platformAttributes('GCM', 'not json')).toThrow(CredentialsError);
  });
});
