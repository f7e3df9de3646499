import type { PairwiseSubjects } from '../oidc/ports.ts';
import { GenerateMacCommand, kmsClient } from './kms-client.ts';

/**
 * Pairwise subject identifiers (OIDC Core §8.1, design.md §3.13): HMAC-SHA-256 under a KMS HMAC key that
 * never leaves KMS, over the sector identifier and the account id. One `GenerateMac` per approval; the
 * message names its purpose and version so that the key can never be asked for another kind of MAC that
 * collides with a `sub`.
 */
export function pairwiseSubjects(keyId: string) {
  return {
    async pairwiseSubject(sector: string, accountId: string): Promise<string> {
      const { Mac } = await kmsClient.send(
        new GenerateMacCommand({
          KeyId: keyId,
          MacAlgorithm: 'HMAC_SHA_256',
          Message: pairwiseMessage(sector, accountId),
        }),
      );
      if (!Mac) throw new Error('KMS returned no MAC');
      return Buffer.from(Mac).toString('base64url');
    },
  } satisfies PairwiseSubjects;
}

/** What is MACed: purpose, sector and account, separated by a byte neither a host name nor a UUID has. */
export const pairwiseMessage = (sector: string, accountId: string) =>
  Buffer.from(`xid/pairwise-sub/v1\u0000${sector}\u0000${accountId}`, 'utf8');
