// Runs in a worker thread (src/web/stylesheet.ts): compiling all of GOV.UK Frontend's Sass takes
// seconds of CPU in one synchronous call, which must not block the server's (or a test worker's)
// event loop. Plain JavaScript, so it loads the same under tsx, vitest and node.
import { parentPort, workerData } from 'node:worker_threads';
import * as sass from 'sass';

const { entry, loadPaths } = workerData;
// quietDeps: GOV.UK Frontend's own deprecation notices are not ours to act on; warnings about our entry still show.
const { css } = sass.compile(entry, { loadPaths, style: 'compressed', quietDeps: true });
parentPort.postMessage(css);
