import type { MailPorts, MailQuota } from '../mail/ports.ts';
import { table } from './table.ts';
import { KEYS } from './table-keys.ts';

/**
 * Sliding-window quotas in one item per key: `limit` slots (`s0`, `s1`, …), each holding the epoch
 * milliseconds it was last taken at. A slot is taken with a conditional update that succeeds only if it
 * is free or older than the window, so each slot is taken at most once per window whatever the concurrency:
 * at most `limit` reservations in any window. The item expires (TTL) a window after its newest slot.
 */
export function quotaStore(tableName: string) {
  const db = table(tableName);
  const slotName = (slot: number) => `s${slot}`;
  return {
    async reserveSlot(
      quota: MailQuota,
      now: Date,
    ): Promise<{ slot: number } | { retryAfterSeconds: number }> {
      const key = KEYS.quota(quota.kind, quota.key);
      const windowMs = quota.windowSeconds * 1000;
      const windowStart = now.getTime() - windowMs;
      const item = (await db.get(key)) ?? {};
      const taken = (slot: number) => Number(item[slotName(slot)] ?? Number.NEGATIVE_INFINITY);
      const slots = Array.from({ length: quota.limit }, (_, slot) => slot).sort(
        (a, b) => taken(a) - taken(b),
      );
      for (const slot of slots.filter((s) => taken(s) <= windowStart)) {
        const reserved = await db.update(key, {
          update: 'SET #slot = :now, expiresAt = :expires',
          condition: 'attribute_not_exists(#slot) OR #slot <= :windowStart',
          names: { '#slot': slotName(slot) },
          values: {
            ':now': now.getTime(),
            ':windowStart': windowStart,
            ':expires': Math.ceil((now.getTime() + windowMs) / 1000),
          },
        });
        if (reserved) return { slot };
      }
      const oldest = Math.min(...slots.map(taken).filter((at) => at > windowStart), now.getTime());
      return { retryAfterSeconds: Math.max(1, Math.ceil((oldest + windowMs - now.getTime()) / 1000)) };
    },

    async releaseSlot(quota: MailQuota, slot: number, reservedAt: Date): Promise<void> {
      await db.update(KEYS.quota(quota.kind, quota.key), {
        update: 'REMOVE #slot',
        condition: '#slot = :at',
        names: { '#slot': slotName(slot) },
        values: { ':at': reservedAt.getTime() },
      });
    },
  } satisfies Pick<MailPorts, 'reserveSlot' | 'releaseSlot'>;
}
