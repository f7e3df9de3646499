import { describe, expect, it } from 'vitest';
import { BoundedCache } from '#lib/local/bounded-cache';

describe('the local gateway’s bounded cache', () => {
  it('never holds more than its bound, dropping the oldest first', () => {
    const cache = new BoundedCache<number>(3, 60_000);
    for (let i = 0; i < 10_000; i++) cache.set(`token-${i}`, i);
    expect(cache.size).toBe(3);
    expect(cache.get('token-0')).toBeUndefined();
    expect(cache.get('token-9999')).toEqual({ value: 9999 });
  });

  it('forgets an entry once it expires, and caches undefined answers as answers', () => {
    let now = 0;
    const cache = new BoundedCache<string | undefined>(10, 1000, () => now);
    cache.set('refused', undefined);
    expect(cache.get('refused')).toEqual({ value: undefined });
    now = 1000;
    expect(cache.get('refused')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('refreshes the position of a key that is set again', () => {
    const cache = new BoundedCache<number>(2, 60_000);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 3);
    cache.set('c', 4);
    expect(cache.get('a')).toEqual({ value: 3 });
    expect(cache.get('b')).toBeUndefined();
  });
});
