import { describe, expect, it } from 'vitest';
import { PREPARED_CACHE_SIZE, preparedCacheSize, preparedEntry } from './prepared-cache.ts';

const features = (firstName: string): string => JSON.stringify({ firstName, lastName: 'Maddox' });

describe('the prepared entries\' cache', () => {
  it('reuses an entry only while its features are the same text, and holds at most PREPARED_CACHE_SIZE', () => {
    const first = preparedEntry('p-0', features('Conor'));
    expect(preparedEntry('p-0', features('Conor'))).toBe(first);
    // Changed details are prepared afresh, never scored as they were.
    const changed = preparedEntry('p-0', features('Connor'));
    expect(changed).not.toBe(first);
    expect(changed.first).toBe('connor');
    for (let i = 1; i <= 2 * PREPARED_CACHE_SIZE; i++) {
      preparedEntry(`p-${i}`, features('Amelia'));
      // A much-used entry stays however many others come and go.
      expect(preparedEntry('p-0', features('Connor'))).toBe(changed);
    }
    expect(preparedCacheSize()).toBeLessThanOrEqual(PREPARED_CACHE_SIZE);
    expect(preparedCacheSize()).toBeGreaterThanOrEqual(PREPARED_CACHE_SIZE / 2);
    // An entry not used since many others were added is gone: prepared again, with the same result.
    const again = preparedEntry('p-1', features('Amelia'));
    expect(again.first).toBe('amelia');
  });
});
