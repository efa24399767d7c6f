import { readFileSync } from 'node:fs';
import { loadActor } from '../../src/auth/auth.ts';
import { openDatabase, type Database, type Queryable } from '../../src/db/database.ts';
import { searchCandidates } from '../../src/matching/candidates.ts';
import { Scorer } from '../../src/matching/model.ts';
import { systemClock } from '../../src/shared/clock.ts';
import type { PartnershipManifest } from './manifest.ts';

/**
 * The find page's possible-same-person search (searchCandidates) for manifest users' names, as the
 * page calls it: total time, time in SQL, rows the candidate query read, candidates answered.
 * Usage: candidates-cli.ts --database-url URL --manifest FILE [--names "A B,C D"] [--repeat N]
 */
const arg = (name: string): string | undefined => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : undefined; };
const manifest = JSON.parse(readFileSync(arg('manifest')!, 'utf8')) as PartnershipManifest;
const base = await openDatabase({ databaseUrl: arg('database-url') });
let sqlMs = 0;
let rowsRead = 0;
// Entries scored in full (explained), the JavaScript cost that grows with what is read.
let explained = 0;
const explain: (this: Scorer, ...args: Parameters<Scorer['explain']>) => ReturnType<Scorer['explain']> = Reflect.get(Scorer.prototype, 'explain');
Scorer.prototype.explain = function (this: Scorer, ...args: Parameters<Scorer['explain']>) {
  explained++;
  return explain.apply(this, args);
};
const timed = (q: Queryable): Queryable => ({
  exec: (sql) => q.exec(sql),
  async query(sql, params) {
    const t = performance.now();
    const r = await q.query(sql, params);
    sqlMs += performance.now() - t;
    if (sql.includes('person_match_key')) rowsRead += r.rows.length;
    return r as never;
  },
});
const db: Database = { ...base, kind: base.kind, close: () => base.close(), query: (s, p) => timed(base).query(s, p), exec: (s) => base.exec(s), transaction: (fn) => base.transaction((tx) => fn(timed(tx))) };
if (arg('answers')) {
  // Each user's own searches, and each search's surname alone, as that user: the ids shown, one line each, to compare two versions.
  const lines: string[] = [];
  const t = performance.now();
  for (const u of manifest.users.slice(0, Number(arg('users') ?? manifest.users.length))) {
    const a = (await loadActor(base, u.practitionerId))!;
    for (const { name } of u.searches) {
      const words = name.split(/\s+/);
      for (const q of [{ givenNames: words.slice(0, -1).join(' ') || undefined, familyName: words.at(-1) }, { familyName: words.at(-1) }]) {
        const found = await searchCandidates({ db: base, clock: systemClock, actor: a }, { ...q, minProbability: 0.2 });
        lines.push(`${u.practitionerId} ${q.givenNames ?? ''} ${q.familyName}: ${found.candidates.map((c) => `${c.personId ?? `${c.agencyId}:${c.explanation}`}@${c.probability}`).join(' ')}`);
      }
    }
  }
  (await import('node:fs')).writeFileSync(arg('answers')!, lines.join('\n') + '\n');
  console.log(`${lines.length} searches in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  process.exit(0);
}
const user = manifest.users.find((u) => u.roles.includes('safeguarding_lead')) ?? manifest.users[0]!;
const actor = (await loadActor(base, user.practitionerId))!;
const names = arg('names')?.split(',') ?? manifest.users.flatMap((u) => u.searches.map((s) => s.name)).slice(0, 10);
const repeat = Number(arg('repeat') ?? 3);
for (const name of names) {
  const words = name.split(/\s+/);
  const times: number[] = [];
  let shown = 0;
  let sql = 0;
  let read = 0;
  let full = 0;
  for (let i = 0; i < repeat; i++) {
    sqlMs = 0;
    rowsRead = 0;
    explained = 0;
    const t = performance.now();
    const found = await searchCandidates({ db, clock: systemClock, actor }, { givenNames: words.length > 1 ? words.slice(0, -1).join(' ') : undefined, familyName: words.at(-1), minProbability: 0.2 });
    times.push(performance.now() - t);
    shown = found.candidates.length;
    sql = sqlMs;
    read = rowsRead;
    full = explained;
  }
  const first = times[0]!;
  times.sort((a, b) => a - b);
  console.log(`${name.padEnd(24)} rows ${String(read).padStart(5)}  explained ${String(full).padStart(5)}  shown ${String(shown).padStart(2)}  first ${first.toFixed(1).padStart(6)} ms  median ${times[Math.floor(times.length / 2)]!.toFixed(1).padStart(6)} ms  (sql ${sql.toFixed(1)} ms, last run)`);
}
await base.close();
