// The in-process cache's bounds: expiry on the injected clock, and eviction of the oldest entries
// past the entry and size limits.
import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../../src/cache/memory-cache.js';

describe('MemoryCache', () => {
  it('expires entries on the injected clock', async () => {
    let now = 1_000;
    const cache = new MemoryCache(() => new Date(now));
    await cache.set('a', 'one', 60_000);
    now += 59_999;
    expect(await cache.get('a')).toBe('one');
    now += 1;
    expect(await cache.get('a')).toBeNull();
  });

  it('evicts the oldest entries past its limits', async () => {
    const now = 0;
    const byCount = new MemoryCache(() => new Date(now), 2, 1_000);
    await byCount.set('a', '1', 60_000);
    await byCount.set('b', '2', 60_000);
    await byCount.set('c', '3', 60_000);
    expect([await byCount.get('a'), await byCount.get('b'), await byCount.get('c')]).toEqual([
      null,
      '2',
      '3',
    ]);

    const bySize = new MemoryCache(() => new Date(now), 100, 10);
    await bySize.set('a', 'xxxx', 60_000);
    await bySize.set('b', 'yyyy', 60_000);
    await bySize.set('a', 'zzzz', 60_000); // replacing refreshes its age and its size
    await bySize.set('c', 'wwww', 60_000);
    expect([await bySize.get('a'), await bySize.get('b'), await bySize.get('c')]).toEqual([
      'zzzz',
      null,
      'wwww',
    ]);
    await bySize.set('huge', 'x'.repeat(11), 60_000);
    expect(await bySize.get('huge')).toBeNull();
  });
});
