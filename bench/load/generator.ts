/**
 * The load generator as its own process:
 *
 *   node bin/run-ts.mjs bench/load/generator.ts spec.json result.json
 *
 * reads a LoadSpec (bench/load/spec.ts), drives the server it names, and writes a LoadResult. Its
 * own process, so that its timers and sockets do not share an event loop with the server it
 * measures (bench/load/run-load.ts starts it from a benchmark). Exit code 2: the spec was not valid.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { runSpec } from './engine.ts';
import { loadSpecSchema } from './spec.ts';

const [specPath, resultPath] = process.argv.slice(2);
if (!specPath || !resultPath) {
  console.error('usage: node bin/run-ts.mjs bench/load/generator.ts spec.json result.json');
  process.exit(2);
}
const parsed = loadSpecSchema.safeParse(JSON.parse(await readFile(specPath, 'utf8')));
if (!parsed.success) {
  console.error(`load spec not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  process.exit(2);
}
const result = await runSpec(parsed.data);
await writeFile(resultPath, `${JSON.stringify(result, null, 2)}\n`);
