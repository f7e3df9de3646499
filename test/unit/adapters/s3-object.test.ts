import { describe, expect, it } from 'vitest';
import { signedGetObject } from '#functions/adapters/s3-object';

/**
 * The S3 GetObject of the registration function, signed with the SDK's SigV4 signer: checked against
 * the worked example in AWS's S3 SigV4 documentation ("Examples: Signature Calculations in AWS
 * Signature Version 4", GET Object with a Range header), whose signature AWS publishes.
 */
const EXAMPLE = {
  region: 'us-east-1',
  credentials: {
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  },
  date: new Date('2013-05-24T00:00:00Z'),
  hostname: 'examplebucket.s3.amazonaws.com',
};

describe('S3 GetObject signing', () => {
  it("reproduces AWS's published signature for GET /test.txt", async () => {
    const signed = await signedGetObject('examplebucket', 'test.txt', {
      ...EXAMPLE,
      headers: {
        range: 'bytes=0-9',
        'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      },
    });
    expect(signed.url).toBe('https://examplebucket.s3.amazonaws.com/test.txt');
    expect(signed.headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    expect(signed.headers.host).toBeUndefined();
  });

  it('signs an unsigned payload, the session token, and a key with spaces and slashes as S3 wants them', async () => {
    const signed = await signedGetObject('trust', 'crl/signature (2026).crl', {
      region: 'ap-northeast-1',
      credentials: { ...EXAMPLE.credentials, sessionToken: 'session' },
      date: EXAMPLE.date,
    });
    expect(signed.url).toBe('https://trust.s3.ap-northeast-1.amazonaws.com/crl/signature%20%282026%29.crl');
    expect(signed.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(signed.headers['x-amz-security-token']).toBe('session');
    expect(signed.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/20130524\/ap-northeast-1\/s3\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
  });
});
