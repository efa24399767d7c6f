import { describe, expect, it } from 'vitest';
import { workerExecArgv } from '../cli/cluster.ts';
import { loadConfig } from './config.ts';

describe('configuration from the environment', () => {
  it('JIGSAW_DB_POOL_SIZE: ten connections per server process unless told, and a clear error for a size that cannot work', () => {
    expect(loadConfig({}).databasePoolSize).toBe(10);
    expect(loadConfig({ JIGSAW_DB_POOL_SIZE: '' }).databasePoolSize).toBe(10);
    expect(loadConfig({ JIGSAW_DB_POOL_SIZE: '4' }).databasePoolSize).toBe(4);
    expect(() => loadConfig({ JIGSAW_DB_POOL_SIZE: '0' })).toThrow('JIGSAW_DB_POOL_SIZE must be a whole number of at least 1');
    expect(() => loadConfig({ JIGSAW_DB_POOL_SIZE: 'ten' })).toThrow('JIGSAW_DB_POOL_SIZE must be a non-negative whole number');
  });

  it('JIGSAW_WORKER_SEMI_SPACE_MB: each worker starts with a 64 MB semi-space unless told, replacing one the primary was given', () => {
    expect(loadConfig({}).workerSemiSpaceMb).toBe(64);
    expect(loadConfig({ JIGSAW_WORKER_SEMI_SPACE_MB: '16' }).workerSemiSpaceMb).toBe(16);
    expect(() => loadConfig({ JIGSAW_WORKER_SEMI_SPACE_MB: '0' })).toThrow('JIGSAW_WORKER_SEMI_SPACE_MB must be a whole number of at least 1');
    expect(workerExecArgv(['--import', 'loader.mjs', '--max-semi-space-size=8'], 64)).toEqual(['--import', 'loader.mjs', '--max-semi-space-size=64']);
  });
});
