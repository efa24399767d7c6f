/**
 * Runs the load generator (bench/load/generator.ts) in its own process and returns what it measured.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from './spec.ts';

export type { LabelResult, LoadResult, LoadSpec } from './spec.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const dir = await mkdtemp(join(tmpdir(), 'jigsaw-load-'));
  try {
    const specPath = join(dir, 'spec.json');
    const resultPath = join(dir, 'result.json');
    await writeFile(specPath, JSON.stringify(spec));
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'run-ts.mjs'), join(ROOT, 'bench', 'load', 'generator.ts'), specPath, resultPath], {
      cwd: ROOT, stdio: ['ignore', 'inherit', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-4000); });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c) => resolve(c));
    });
    if (code !== 0) throw new Error(`load generator exited with ${code}: ${stderr.trim()}`);
    return JSON.parse(await readFile(resultPath, 'utf8')) as LoadResult;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
