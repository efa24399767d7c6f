import type { Config } from '../config/config.ts';
import { openDatabase } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { buildApp } from '../http/app.ts';
import { systemClock } from '../shared/clock.ts';
import { demoIsLoaded, printDemoSignIn, runDemo } from './demo-command.ts';
import type { Io } from './main.ts';

/** Opens the database, migrates, optionally loads the demo, and serves until SIGINT/SIGTERM. */
export async function serve(config: Config, opts: { demo: boolean; io: Io }): Promise<void> {
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await migrate(db);
  const services = { db, clock: systemClock };
  if (opts.demo) {
    if (await demoIsLoaded(db)) await printDemoSignIn(config, opts.io);
    else await runDemo(services, config, opts.io);
  }
  const app = await buildApp({ services, auth: config, secureCookies: config.secureCookies, logLevel: config.logLevel });
  const address = await app.listen({ port: config.port, host: config.host });
  opts.io.out(`Jigsaw is running at ${address.replace('127.0.0.1', 'localhost')} (database: ${db.kind === 'pglite' ? `embedded, ${config.dataDir}` : 'PostgreSQL server'})`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      opts.io.out('Stopping…');
      void app.close().then(() => db.close()).finally(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
