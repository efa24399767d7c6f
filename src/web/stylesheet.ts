import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as sass from 'sass';
import { GOVUK_DIST } from './view.ts';

/** Our Sass entry: GOV.UK Frontend with a system font stack and no font files. */
export const STYLESHEET_ENTRY = fileURLToPath(new URL('./styles/jigsaw-govuk.scss', import.meta.url));
const CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/jigsaw/', import.meta.url));

let compiled: Promise<string> | undefined;

/**
 * The GOV.UK Frontend stylesheet compiled from src/web/styles/jigsaw-govuk.scss, once per process.
 *
 * There is no build step, and compiling all of GOV.UK Frontend takes about 5 seconds of CPU (more
 * on a busy machine) in one synchronous call, so it runs in a worker thread (compile-stylesheet.mjs)
 * and never blocks the event loop. `jigsaw serve` asks for it before it listens, and no request waits; tests build many apps and most never fetch the stylesheet, so
 * otherwise it is compiled on the first request for it. The result is also kept on disk under
 * node_modules/.cache/jigsaw, named by a hash of the govuk-frontend and Sass versions and our
 * entry file, so that later processes (restarts, test workers) skip the compile; where that folder
 * cannot be written (a read-only install), each process compiles once.
 */
export function govukStylesheet(): Promise<string> {
  compiled ??= load().catch((err: unknown) => {
    compiled = undefined;
    throw err;
  });
  return compiled;
}

async function load(): Promise<string> {
  const [source, govukPackage] = await Promise.all([readFile(STYLESHEET_ENTRY, 'utf8'), readFile(join(GOVUK_DIST, '..', 'package.json'), 'utf8')]);
  const govukVersion = (JSON.parse(govukPackage) as { version: string }).version;
  const key = createHash('sha256').update(`${govukVersion}\n${sass.info}\n${source}`).digest('hex').slice(0, 20);
  const cached = join(CACHE_DIR, `govuk-frontend-${govukVersion}-${key}.css`);
  try {
    return await readFile(cached, 'utf8');
  } catch {
    // Not compiled yet for these versions: compile below.
  }
  const css = await compileInWorker();
  try {
    await mkdir(CACHE_DIR, { recursive: true });
    // Written aside and renamed, so a parallel test worker never reads half a file.
    const partial = `${cached}.${process.pid}.partial`;
    await writeFile(partial, css);
    await rename(partial, cached);
  } catch {
    // A read-only install: keep it in memory only.
  }
  return css;
}

function compileInWorker(): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./compile-stylesheet.mjs', import.meta.url), { workerData: { entry: STYLESHEET_ENTRY, loadPaths: [GOVUK_DIST] } });
    worker.once('message', (css: string) => resolve(css));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`The stylesheet compiler stopped with code ${code}`));
    });
  });
}
