import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('configuration from the environment', () => {
  it('JIGSAW_DB_POOL_SIZE: ten connections per server process unless told, and a clear error for a size that cannot work', () => {
    expect(loadConfig({}).databasePoolSize).toBe(10);
    expect(loadConfig({ JIGSAW_DB_POOL_SIZE: '' }).databasePoolSize).toBe(10);
    expect(loadConfig({ JIGSAW_DB_POOL_SIZE: '4' }).databasePoolSize).toBe(4);
    expect(() => loadConfig({ JIGSAW_DB_POOL_SIZE: '0' })).toThrow('JIGSAW_DB_POOL_SIZE must be a whole number of at least 1');
    expect(() => loadConfig({ JIGSAW_DB_POOL_SIZE: 'ten' })).toThrow('JIGSAW_DB_POOL_SIZE must be a non-negative whole number');
  });
});
