import type { WafGroup } from '../routes.ts';

/**
 * The firewall's per-address rate rules (lib/constructs/rest-api.ts), played by the local gateway: an
 * API-wide rule and one per route group, each counting a client address's requests over a sliding
 * 5-minute window, with the stage's limits. A request beyond any of them is answered `429 rate_limited`.
 */
export interface RateLimitRules {
  perIp: number;
  perGroup: Record<WafGroup, number>;
}

export const RATE_WINDOW_MS = 5 * 60_000;

export function rateLimiter(rules: RateLimitRules, now: () => number = Date.now) {
  const seen = new Map<string, number[]>();
  /** Counts a request against one rule; false when the address is over that rule's limit. */
  const count = (key: string, limit: number): boolean => {
    const start = now() - RATE_WINDOW_MS;
    const times = (seen.get(key) ?? []).filter((at) => at > start);
    times.push(now());
    seen.set(key, times.length > limit + 1 ? times.slice(-(limit + 1)) : times);
    return times.length <= limit;
  };
  return {
    /** The API-wide rule, for every request that reaches the API. */
    admit: (ip: string) => count(`*#${ip}`, rules.perIp),
    /** The rule of a route group. */
    admitGroup: (ip: string, group: WafGroup) => count(`${group}#${ip}`, rules.perGroup[group]),
  };
}
