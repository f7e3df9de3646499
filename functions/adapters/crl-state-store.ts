import type { SeenSerials, StatusCheckPorts } from '../status-check/ports.ts';
import { everyItem } from './dynamo-client.ts';
import { table } from './table.ts';
import { KEYS } from './table-keys.ts';

/**
 * DynamoDB side of the status check's memory: per CRL, the digest of the serials the last run saw (one
 * small item, read every run) and the serials themselves, packed as bytes (a length byte, then the
 * serial) in chunks well under the 400 KB item limit, read only when the digest changed. A CRL of 100,000
 * serials takes about 1 MB in three chunks.
 */
const CHUNK_BYTES = 350_000;
/**
 * How many of a run's new serials the next run looks up again: a day's revocations of one partition are
 * far fewer; the first run after deployment, which sees every serial as new, is not worth repeating.
 */
const RECENT_MAX = 10_000;

function pack(serials: readonly string[]): Buffer[] {
  const chunks: Buffer[] = [];
  let parts: Buffer[] = [];
  let size = 0;
  for (const serial of serials) {
    const bytes = Buffer.from(serial.length % 2 ? `0${serial}` : serial, 'hex');
    const part = Buffer.concat([Buffer.from([bytes.length]), bytes]);
    if (size + part.length > CHUNK_BYTES) {
      chunks.push(Buffer.concat(parts));
      parts = [];
      size = 0;
    }
    parts.push(part);
    size += part.length;
  }
  if (parts.length > 0 || chunks.length === 0) chunks.push(Buffer.concat(parts));
  return chunks;
}

function unpack(chunk: Uint8Array, into: Set<string>): void {
  for (let at = 0; at < chunk.length; ) {
    const length = chunk[at] as number;
    // Serials are lowercase hex without leading zero bytes, as the CRL reader gives them: kept as is.
    into.add(Buffer.from(chunk.subarray(at + 1, at + 1 + length)).toString('hex'));
    at += 1 + length;
  }
}

export function crlStateStore(tableName: string) {
  const db = table(tableName);
  return {
    async seenSerials(crlId: string): Promise<SeenSerials | undefined> {
      const Item = await db.get(KEYS.crlState(crlId));
      if (!Item) return undefined;
      const digest = String(Item.digest);
      const recent = new Set<string>();
      if (Item.recent) unpack(Item.recent as Uint8Array, recent);
      return {
        digest,
        recent,
        serials: async () => {
          const serials = new Set<string>();
          const chunks = await everyItem({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: {
              ':pk': KEYS.crlState(crlId).pk,
              ':prefix': KEYS.crlSerialsPrefix(digest),
            },
            ConsistentRead: true,
          });
          for (const chunk of chunks) unpack(chunk.serials as Uint8Array, serials);
          if (serials.size !== Number(Item.count)) throw new Error(`state of CRL ${crlId} is incomplete`);
          return serials;
        },
      };
    },

    async recordSerials(
      crlId: string,
      previousDigest: string | undefined,
      next: {
        digest: string;
        serials: readonly string[];
        recent: readonly string[];
        label: string;
        thisUpdate: Date;
      },
    ): Promise<boolean> {
      const chunks = next.digest === previousDigest ? [] : pack(next.serials);
      // Chunks first, named by the new digest (a concurrent run writes the same items), then the head.
      for (let i = 0; i < chunks.length; i += 1) {
        await db.put({ ...KEYS.crlSerials(crlId, next.digest, i), serials: chunks[i] });
      }
      const written = await db.put(
        {
          ...KEYS.crlState(crlId),
          digest: next.digest,
          count: next.serials.length,
          // In the head, so that it costs no extra read; a first run's whole CRL is not worth it.
          recent: pack(next.recent.slice(0, RECENT_MAX))[0],
          label: next.label,
          thisUpdate: next.thisUpdate.toISOString(),
        },
        previousDigest
          ? { condition: 'digest = :previous', values: { ':previous': previousDigest } }
          : 'attribute_not_exists(pk)',
      );
      if (!written) return false;
      if (previousDigest && previousDigest !== next.digest)
        await deleteChunks(tableName, crlId, previousDigest);
      return true;
    },
  } satisfies Pick<StatusCheckPorts, 'seenSerials' | 'recordSerials'>;
}

/** Removes the chunks of a digest no head names any more. */
async function deleteChunks(tableName: string, crlId: string, digest: string): Promise<void> {
  const keys = await everyItem({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': KEYS.crlState(crlId).pk, ':prefix': KEYS.crlSerialsPrefix(digest) },
    ProjectionExpression: 'pk, sk',
  });
  // A few chunks per CRL: single deletes, with the write permission the table binding grants.
  for (const key of keys) await table(tableName).delete({ pk: String(key.pk), sk: String(key.sk) });
}
