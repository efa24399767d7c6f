import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's shared reference data (../shared/data beside the clone, as on CI), or wherever
 * JIGSAW_SHARED_DIR points.
 */
export function sharedDataPath(relative: string): string {
  const root = process.env.JIGSAW_SHARED_DIR ?? resolve(fileURLToPath(new URL('../..', import.meta.url)), 'shared');
  const path = resolve(root, 'data', relative);
  if (!existsSync(path)) throw new Error(`Reference data not found: ${path}. Put shared/ beside the clone or set JIGSAW_SHARED_DIR.`);
  return path;
}
