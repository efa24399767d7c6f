import { describe, expect, it } from 'vitest';
import { prepare } from './record.ts';
import { holdsOnlyNames, PREPARED_CACHE_SIZE, preparedCacheSize, preparedEntry } from './prepared-cache.ts';

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

  it('prepares an entry from its names alone only for a query of names alone, and never gives that entry to another', () => {
    const whole = JSON.stringify({ firstName: 'Conor', lastName: 'Maddox', dateOfBirth: '2019-03-14', postcode: 'NS1 6EJ', town: 'Northshire', sex: 'male' });
    const byNames = preparedEntry('n-1', whole, true);
    expect([byNames.first, byNames.last, byNames.dob, byNames.pc]).toEqual(['conor', 'maddox', '', '']);
    const full = preparedEntry('n-1', whole);
    expect([full.first, full.dob, full.pc, full.sex]).toEqual(['conor', '20190314', 'NS16EJ', 2]);
    // Once whole, it serves both.
    expect(preparedEntry('n-1', whole, true)).toBe(full);
    expect(holdsOnlyNames(prepare({ firstName: 'Conor', lastName: 'Maddox' }))).toBe(true);
    for (const more of [{ dateOfBirth: '2019-03-14' }, { sex: 'male' }, { postcode: 'NS1 6EJ' }, { town: 'Northshire' }, { address: '5 Ashdown Road' }, { nhsNumber: '9434765919' }, { expectedDelivery: '2026-01-01' }, { parents: ['Maggie Maddox'] }]) {
      expect(holdsOnlyNames(prepare({ firstName: 'Conor', lastName: 'Maddox', ...more }))).toBe(false);
    }
  });
});
