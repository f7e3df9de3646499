import type { TokenKeyPorts } from '../auth/ports.ts';
import { TokenKeyError, type TokenKeySet } from '../auth/token-key-set.ts';
import { table } from './table.ts';
import { KEYS } from './table-keys.ts';

/**
 * Where the token key set is kept: one item of the table (`TOKENKEYS`), holding public keys and
 * KMS-wrapped private keys, which only the token-keys custom resource may read and write (IAM's
 * `dynamodb:LeadingKeys`). The functions get the set from their environment, never from here.
 */
export function tokenKeyStore(tableName: string) {
  const db = table(tableName);
  return {
    async readKeySet(): Promise<TokenKeySet | undefined> {
      const item = await db.get<TokenKeySet & { pk: string; sk: string }>(KEYS.tokenKeys());
      if (!item) return undefined;
      const { pk: _pk, sk: _sk, ...set } = item;
      return set;
    },

    async writeKeySet(set: TokenKeySet, previous: TokenKeySet | undefined): Promise<void> {
      const written = await db.put(
        { ...KEYS.tokenKeys(), ...set },
        previous
          ? { condition: 'rotatedAt = :previous', values: { ':previous': previous.rotatedAt } }
          : 'attribute_not_exists(pk)',
      );
      if (!written) throw new TokenKeyError('the token key set changed meanwhile; nothing was written');
    },
  } satisfies Pick<TokenKeyPorts, 'readKeySet' | 'writeKeySet'>;
}
