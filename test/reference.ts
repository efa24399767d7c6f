import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A file of test/reference/ (third-party data copied into the repository with its source and
 * licence: see test/reference/README.md). Tests read reference data only from here, so a clone runs
 * its tests with nothing beside it; a missing file is an error, never a silent skip.
 */
export function referencePath(relative: string): string {
  const path = fileURLToPath(new URL(`./reference/${relative}`, import.meta.url));
  if (!existsSync(path)) throw new Error(`Reference data missing from the repository: test/reference/${relative}`);
  return path;
}
