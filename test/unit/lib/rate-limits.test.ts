import { describe, expect, it } from 'vitest';
import { stageConfig } from '#lib/config/stages';
import { RATE_WINDOW_MS, rateLimiter } from '#lib/local/rate-limits';

/** The local gateway's version of the firewall's per-address rate rules. */
describe('the local rate rules', () => {
  const rules = {
    perIp: 5,
    perGroup: {
      proofs: 2,
      challenges: 3,
      registrations: 3,
      mail: 3,
      emailLinks: 3,
      signInPages: 3,
      loginHint: 3,
    },
  };

  it('admit an address up to a group’s limit in 5 minutes, then refuse it, and only it, until the window slides', () => {
    let now = 1_000_000;
    const limiter = rateLimiter(rules, () => now);
    expect([1, 2, 3].map(() => limiter.admitGroup('127.0.0.7', 'proofs'))).toEqual([true, true, false]);
    expect(limiter.admitGroup('127.0.0.1', 'proofs')).toBe(true);
    expect(limiter.admitGroup('127.0.0.7', 'challenges')).toBe(true);
    now += RATE_WINDOW_MS - 1;
    expect(limiter.admitGroup('127.0.0.7', 'proofs')).toBe(false);
    now += RATE_WINDOW_MS + 1;
    expect(limiter.admitGroup('127.0.0.7', 'proofs')).toBe(true);
  });

  it('apply the API-wide rule to every request of an address', () => {
    const limiter = rateLimiter(rules, () => 0);
    expect(Array.from({ length: 7 }, () => limiter.admit('10.0.0.1'))).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(limiter.admit('10.0.0.2')).toBe(true);
  });

  it('use the stage’s own limits, the same rules in every stage', () => {
    for (const stage of ['local', 'dev', 'prod']) {
      const { api } = stageConfig(stage);
      expect(Object.keys(api.wafRoutesPer5MinutesPerIp).sort()).toEqual([
        'challenges',
        'emailLinks',
        'loginHint',
        'mail',
        'proofs',
        'registrations',
        'signInPages',
      ]);
      for (const limit of Object.values(api.wafRoutesPer5MinutesPerIp))
        expect(limit).toBeGreaterThanOrEqual(10);
    }
  });
});
