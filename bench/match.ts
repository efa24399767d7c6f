/**
 * npm run bench:match — person matching on the public linkage data (../shared/data/linkage),
 * safeguarding variants of it, a synthetic population of 100,000 and 1,000,000 (dedupe time and
 * memory), and the product's candidate query among 1,000,000 people in PostgreSQL.
 * Writes bench/results/<date>-match.json, latest-match.json and the table in docs/matching.md.
 *
 * Environment:
 *   JIGSAW_SHARED_DIR            where shared/ is (default: ../shared beside the clone)
 *   JIGSAW_BENCH_DATABASE_URL    PostgreSQL server for the product query (default JIGSAW_TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test)
 *   JIGSAW_MATCH_SCALE           comma-separated synthetic sizes (default 100000,1000000)
 *   JIGSAW_MATCH_DB_PEOPLE       people loaded for the product query (default 1000000; 0 skips it)
 *   JIGSAW_MATCH_WRITE_MODEL=1   also retrain src/matching/model.json (the product's model)
 *   JIGSAW_BENCH_QUICK=1         small sizes, to check the benchmark itself; writes no results
 * Internal: `bench/match.ts --scale N` runs one synthetic dedupe and prints JSON (its own process, for its own peak memory).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { candidatesFor, searchCandidates } from '../src/matching/candidates.ts';
import { dedupe, type MatchResult } from '../src/matching/engine.ts';
import { DEFAULT_HOUSEHOLD } from '../src/matching/model.ts';
import { NameInterner, prepare, type MatchInput } from '../src/matching/record.ts';
import { matchKeys, matchTerms } from '../src/matching/store.ts';
import { seededRandom, train } from '../src/matching/train.ts';
import { loadActor } from '../src/auth/auth.ts';
import type { Actor } from '../src/access/policy.ts';
import { addPractitionerAsSystem, createAgency, createPartnership } from '../src/partnership/partnership.ts';
import { systemClock } from '../src/shared/clock.ts';
import { newId } from '../src/shared/ids.ts';
import { postgresBackend, type Backend } from './lib/backends.ts';
import { accuracy, loadEpbrn, loadFake, loadFebrl, truePairCount, type Accuracy, type LabelledSet } from './lib/linkage.ts';
import { machine } from './lib/report.ts';
import { syntheticPopulation } from './lib/synthetic.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.env.JIGSAW_BENCH_QUICK === '1';

// ---- one synthetic dedupe in its own process --------------------------------------------------
const scaleArg = process.argv.indexOf('--scale');
if (scaleArg > 0) {
  const n = Number(process.argv[scaleArg + 1]);
  const set = syntheticPopulation(n);
  let trueCandidates = 0;
  const t0 = performance.now();
  const r = dedupe(set.records, { minProbability: 0.5, onCandidate: (i, j) => { if (set.cluster[i] === set.cluster[j]) trueCandidates++; } });
  const seconds = (performance.now() - t0) / 1000;
  const a = accuracy(r.pairs, set.cluster);
  console.log(JSON.stringify({ records: n, seconds, stages: r.seconds, candidates: r.candidates, peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), blockingRecall: trueCandidates / a.truePairs, ...a }));
  process.exit(0);
}

// ---- the public data sets ---------------------------------------------------------------------
function linkageDir(): string {
  const root = process.env.JIGSAW_SHARED_DIR ?? resolve(ROOT, '..', 'shared');
  return join(root, 'data', 'linkage');
}

/** Which files the parameters and rules were developed on; the others were kept for checking only. */
const TUNING = new Set(['febrl1', 'febrl3', 'fake_1000', 'ePBRN_D']);

interface DatasetResult extends Accuracy {
  name: string;
  role: 'tuning' | 'checking only';
  variant: string;
  records: number;
  candidates: number;
  blockingRecall: number;
  seconds: number;
  peakRssMiB: number;
}

function evaluate(set: LabelledSet, variant: string, base: string): DatasetResult {
  let trueCandidates = 0;
  const t0 = performance.now();
  const r: MatchResult = dedupe(set.records, { minProbability: 0.001, onCandidate: (i, j) => { if (set.cluster[i] === set.cluster[j]) trueCandidates++; } });
  const seconds = (performance.now() - t0) / 1000;
  const a = accuracy(r.pairs, set.cluster);
  return {
    name: set.name, role: TUNING.has(base) ? 'tuning' : 'checking only', variant, records: set.records.length, candidates: r.candidates,
    blockingRecall: trueCandidates / truePairCount(set.cluster), seconds, peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), ...a,
  };
}

const NICK: Record<string, string> = { william: 'bill', robert: 'bob', katherine: 'kate', catherine: 'kate', elizabeth: 'liz', margaret: 'maggie', richard: 'dick', thomas: 'tom', james: 'jim', alexander: 'alex', benjamin: 'ben', samuel: 'sam', joseph: 'joe', daniel: 'dan', matthew: 'matt', edward: 'ted', rebecca: 'becky', victoria: 'vicky', jennifer: 'jenny', joshua: 'josh', michael: 'mike', christopher: 'chris', nicholas: 'nick', jessica: 'jess', charlotte: 'lottie', isabella: 'bella', oliver: 'ollie', jacob: 'jake', lachlan: 'lachie', zachary: 'zach', samantha: 'sam', emily: 'em' };

/**
 * The safeguarding variant of a set: every record after the first of its person may get a
 * day/month-swapped date of birth, a nickname, a changed or double-barrelled surname, a move to
 * another record's address, or missing fields. Fixed seed; the truth is unchanged.
 */
function safeguardingVariant(set: LabelledSet, seed: number): LabelledSet {
  const rnd = seededRandom(seed);
  const seen = new Set<number>();
  const records = set.records.map((r, i): MatchInput => {
    const c = set.cluster[i]!;
    if (!seen.has(c)) {
      seen.add(c);
      return r;
    }
    const x: MatchInput = { ...r };
    const dob = (x.dateOfBirth ?? '').replace(/-/g, '');
    if (dob.length === 8 && rnd() < 0.2 && Number(dob.slice(6)) <= 12) x.dateOfBirth = `${dob.slice(0, 4)}${dob.slice(6)}${dob.slice(4, 6)}`;
    const first = (x.firstName ?? '').toLowerCase();
    if (NICK[first] && rnd() < 0.5) x.firstName = NICK[first];
    if (rnd() < 0.1) x.lastName = set.records[Math.floor(rnd() * set.records.length)]!.lastName;
    // eslint-disable-next-line no-dupe-else-if -- every rnd() is a fresh draw
    else if (rnd() < 0.1) x.lastName = `${x.lastName ?? ''}-${set.records[Math.floor(rnd() * set.records.length)]!.lastName ?? ''}`;
    if (rnd() < 0.2) {
      const o = set.records[Math.floor(rnd() * set.records.length)]!;
      x.address = o.address;
      x.postcode = o.postcode;
      x.town = o.town;
    }
    for (const f of ['firstName', 'dateOfBirth', 'address', 'postcode', 'town'] as const) if (rnd() < 0.1) x[f] = undefined;
    return x;
  });
  return { ...set, name: `${set.name} (safeguarding variant)`, records };
}

function publicData(): { results: DatasetResult[]; skipped: string[] } {
  const dir = linkageDir();
  if (!existsSync(dir)) return { results: [], skipped: [`linkage data not found at ${dir}`] };
  const at = (f: string): string => join(dir, f);
  const sets: [LabelledSet, string][] = [
    [loadFebrl(at('febrl1.csv'), 'febrl1', false), 'febrl1'],
    [loadFebrl(at('febrl2.csv'), 'febrl2', false), 'febrl2'],
    [loadFebrl(at('febrl3.csv'), 'febrl3', false), 'febrl3'],
    [loadFake(at('fake_1000.csv'), 'fake_1000'), 'fake_1000'],
    [loadEpbrn(at('ePBRN_D_dup.csv'), 'ePBRN_D'), 'ePBRN_D'],
    [loadEpbrn(at('ePBRN_F_dup.csv'), 'ePBRN_F'), 'ePBRN_F'],
  ];
  if (!quick) sets.push([loadFake(at('fake_20000.csv'), 'fake_20000'), 'fake_20000']);
  const results: DatasetResult[] = [];
  for (const [set, base] of sets) {
    results.push(evaluate(set, 'no national ID (primary)', base));
    console.error(`${set.name}: done`);
  }
  for (const f of ['febrl1', 'febrl2', 'febrl3']) results.push(evaluate(loadFebrl(at(`${f}.csv`), f, true), 'with soc_sec_id (secondary)', f));
  for (const [f, seed] of [['febrl3', 11], ['febrl2', 12]] as const) results.push(evaluate(safeguardingVariant(loadFebrl(at(`${f}.csv`), f, false), seed), 'safeguarding variant, no national ID', f));
  results.push(evaluate(safeguardingVariant(loadEpbrn(at('ePBRN_F_dup.csv'), 'ePBRN_F'), 13), 'safeguarding variant, no national ID', 'ePBRN_F'));
  return { results, skipped: [] };
}

// ---- synthetic scale --------------------------------------------------------------------------
interface ScaleResult { records: number; seconds: number; stages: Record<string, number>; candidates: number; peakRssMiB: number; blockingRecall: number; precision: number; recall: number; recallAtPrecision99: number }

function scale(sizes: number[]): ScaleResult[] {
  return sizes.map((n) => {
    const r = spawnSync(process.execPath, ['--max-old-space-size=3800', join(ROOT, 'bin', 'run-ts.mjs'), join(ROOT, 'bench', 'match.ts'), '--scale', String(n)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`synthetic ${n} failed: ${r.stderr}`);
    console.error(`synthetic ${n}: done`);
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ScaleResult;
  });
}

// ---- the product's candidate query ------------------------------------------------------------
interface QueryResult { backend: string; people: number; loadSeconds: number; queries: number; byPerson: { p50: number; p95: number; max: number }; bySearch: { p50: number; p95: number; max: number }; meanCandidates: number }

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 100) / 100;
};

async function productQuery(backend: Backend, people: number): Promise<QueryResult> {
  const db = backend.db;
  const s = { db, clock: systemClock };
  const partnership = (await createPartnership(s, { name: 'Bench Partnership', nation: 'england-and-wales' })).id;
  const agencies: string[] = [];
  for (const type of ['school', 'gp', 'police', 'health_visiting', 'childrens_social_care'] as const) agencies.push((await createAgency(s, { name: `Bench ${type}`, type, partnershipIds: [partnership] })).id);
  const worker = await addPractitionerAsSystem(s, { agencyId: agencies[0]!, name: 'Bench Worker', email: 'bench@example.org', roles: ['safeguarding_lead'] }); // a role shown other agencies' candidates: the full path, offers and disclosure audit included
  const actor = (await loadActor(db, worker.id)) as Actor;
  const ctx = { ...s, actor };
  const set = syntheticPopulation(people, 99);
  const t0 = performance.now();
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  const ids: string[] = [];
  const batch = 5000;
  for (let start = 0; start < people; start += batch) {
    const rows = set.records.slice(start, start + batch);
    const pid = rows.map(() => newId());
    ids.push(...pid);
    const agencyOf = rows.map((_, k) => agencies[(start + k) % agencies.length]!);
    const keyP: string[] = [];
    const keyK: string[] = [];
    const features: string[] = [];
    rows.forEach((r, k) => {
      for (const key of matchKeys(r)) { keyP.push(pid[k]!); keyK.push(key); }
      const t = matchTerms(r);
      if (t.first) first.set(t.first, (first.get(t.first) ?? 0) + 1);
      if (t.last) last.set(t.last, (last.get(t.last) ?? 0) + 1);
      features.push(JSON.stringify(r));
    });
    await db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO person (id, agency_id, kind, date_of_birth, sex, nhs_number, created_by, created_at)
         SELECT i, a, 'child', nullif(d, '')::date, coalesce(nullif(x, ''), 'unknown'), nullif(n, ''), $7, now() FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(i, a, d, x, n, z)`,
        [pid, agencyOf, rows.map((r) => r.dateOfBirth ?? ''), rows.map((r) => r.sex ?? ''), rows.map((r) => r.nhsNumber ?? ''), rows.map(() => ''), worker.id]);
      await tx.query(`INSERT INTO person_name (id, person_id, use, given_names, family_name, position) SELECT gen_random_uuid(), i, 'usual', g, f, 0 FROM unnest($1::uuid[], $2::text[], $3::text[]) AS t(i, g, f)`,
        [pid, rows.map((r) => r.firstName ?? ''), rows.map((r) => r.lastName ?? '')]);
      await tx.query(`INSERT INTO person_address (id, person_id, line1, town, postcode, position) SELECT gen_random_uuid(), i, l, t, p, 0 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS x(i, l, t, p) WHERE l <> ''`,
        [pid, rows.map((r) => r.address ?? ''), rows.map((r) => r.town ?? ''), rows.map((r) => r.postcode ?? '')]);
      await tx.query('INSERT INTO person_match (person_id, agency_id, features, indexed_at) SELECT i, a, f::jsonb, now() FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS t(i, a, f)', [pid, agencyOf, features]);
      await tx.query('INSERT INTO person_match_key (key, person_id) SELECT k, p FROM unnest($1::text[], $2::uuid[]) AS t(k, p) ON CONFLICT DO NOTHING', [keyK, keyP]);
    });
    if ((start / batch) % 20 === 0) console.error(`  loaded ${start + rows.length} people`);
  }
  const terms = [['*', '*', people] as const, ...[...first].map(([v, n]) => ['first', v, n] as const), ...[...last].map(([v, n]) => ['last', v, n] as const)];
  await db.query('INSERT INTO person_match_term (field, value, n) SELECT f, v, n FROM unnest($1::text[], $2::text[], $3::int[]) AS t(f, v, n)', [terms.map((t) => t[0]), terms.map((t) => t[1]), terms.map((t) => t[2])]);
  await db.query('ANALYZE');
  const loadSeconds = (performance.now() - t0) / 1000;
  // Queries: existing people of the worker's agency (every 5th), and searches by details of others with a typo.
  const rnd = seededRandom(5);
  const byPerson: number[] = [];
  const bySearch: number[] = [];
  let candidates = 0;
  const n = quick ? 20 : 200;
  for (let q = 0; q < n + 20; q++) {
    const k = Math.floor(rnd() * (people / 5)) * 5;
    let t = performance.now();
    const c = await candidatesFor(ctx, ids[k]!);
    if (q >= 20) { byPerson.push(performance.now() - t); candidates += c.candidates.length; }
    const r = set.records[Math.floor(rnd() * people)]!;
    t = performance.now();
    await searchCandidates(ctx, { givenNames: r.firstName ? `${r.firstName}e` : undefined, familyName: r.lastName ?? undefined, dateOfBirth: r.dateOfBirth || undefined, postcode: r.postcode ?? undefined, minProbability: 0.2 });
    if (q >= 20) bySearch.push(performance.now() - t);
  }
  const stats = (xs: number[]) => ({ p50: pct(xs, 50), p95: pct(xs, 95), max: pct(xs, 100) });
  return { backend: backend.label, people, loadSeconds, queries: n, byPerson: stats(byPerson), bySearch: stats(bySearch), meanCandidates: candidates / n };
}

// ---- report -----------------------------------------------------------------------------------
const START = '<!-- bench:match:start -->';
const END = '<!-- bench:match:end -->';
const f3 = (x: number): string => x.toFixed(3);

function markdown(report: { startedAt: string; machine: ReturnType<typeof machine>; datasets: DatasetResult[]; scale: ScaleResult[]; query: QueryResult[]; skipped: string[] }, jsonPath: string): string {
  const m = report.machine;
  return [
    START, '<!-- Generated by `npm run bench:match` (bench/match.ts); edits between these markers are overwritten. -->', '',
    `Last run: ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC; ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}. Raw figures: [\`${jsonPath}\`](../${jsonPath}).`, '',
    'Deduplication, trained without labels on each file itself; pairwise figures at match probability ≥ 0.5, and the best recall keeping precision ≥ 0.99 / ≥ 0.999. Peak memory is the benchmark process\'s so far.', '',
    '| Data | Used for | Variant | Records | True pairs | Candidate pairs | Blocking recall | Precision | Recall | F1 | Recall @ P ≥ 0.99 | Recall @ P ≥ 0.999 | Seconds | Peak MiB |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...report.datasets.map((d) => `| ${d.name} | ${d.role} | ${d.variant} | ${d.records.toLocaleString('en-GB')} | ${d.truePairs.toLocaleString('en-GB')} | ${d.candidates.toLocaleString('en-GB')} | ${f3(d.blockingRecall)} | ${f3(d.precision)} | ${f3(d.recall)} | ${f3(d.f1)} | ${f3(d.recallAtPrecision99)} | ${f3(d.recallAtPrecision999)} | ${d.seconds.toFixed(1)} | ${d.peakRssMiB} |`),
    '', 'Synthetic population (bench/lib/synthetic.ts, fixed seed, 30 % duplicate records with typing errors, nicknames, swapped day and month, surname changes, moves and missing fields), deduplicated in one process each:', '',
    '| Records | Seconds (all) | of which prepare / train / compare | Candidate pairs | Peak MiB | Blocking recall | Precision | Recall | Recall @ P ≥ 0.99 |',
    '|---:|---:|---|---:|---:|---:|---:|---:|---:|',
    ...report.scale.map((s) => `| ${s.records.toLocaleString('en-GB')} | ${s.seconds.toFixed(1)} | ${['prepare', 'train', 'compare'].map((k) => (s.stages[k] ?? 0).toFixed(1)).join(' / ')} | ${s.candidates.toLocaleString('en-GB')} | ${s.peakRssMiB} | ${f3(s.blockingRecall)} | ${f3(s.precision)} | ${f3(s.recall)} | ${f3(s.recallAtPrecision99)} |`),
    '', 'The product\'s candidate query (whole service path: access check, blocking-key lookup, scoring, audit entry, one transaction), milliseconds:', '',
    '| Database | People | Load (s) | Queries | By person p50 / p95 / max | Search by details p50 / p95 / max | Mean candidates |',
    '|---|---:|---:|---:|---|---|---:|',
    ...report.query.map((q) => `| ${q.backend} | ${q.people.toLocaleString('en-GB')} | ${q.loadSeconds.toFixed(0)} | ${q.queries} | ${q.byPerson.p50} / **${q.byPerson.p95}** / ${q.byPerson.max} | ${q.bySearch.p50} / **${q.bySearch.p95}** / ${q.bySearch.max} | ${q.meanCandidates.toFixed(1)} |`),
    ...report.skipped.map((s) => `\nNot run: ${s}`),
    '', END,
  ].join('\n');
}

const startedAt = new Date();
const skipped: string[] = [];
if (process.env.JIGSAW_MATCH_WRITE_MODEL === '1') {
  const set = syntheticPopulation(200_000, 7);
  const interner = new NameInterner();
  const model = train(set.records.map((r) => prepare(r, interner)), { seed: 7, clock: () => new Date('2026-03-02T00:00:00Z'),
    description: 'Product model: trained without labels (EM, u from random pairs) on 200,000 synthetic people (bench/lib/synthetic.ts, seed 7), with the stated household model (the synthetic people have no families; the product\'s do). Regenerate with JIGSAW_MATCH_WRITE_MODEL=1 npm run bench:match.' });
  // The synthetic population has no families, so training finds none; the product records them.
  model.household = structuredClone(DEFAULT_HOUSEHOLD);
  await writeFile(join(ROOT, 'src', 'matching', 'model.json'), `${JSON.stringify(model, null, 1)}\n`);
  console.error('wrote src/matching/model.json');
}
const pub = publicData();
skipped.push(...pub.skipped);
const sizes = (process.env.JIGSAW_MATCH_SCALE ?? (quick ? '20000' : '100000,1000000')).split(',').map(Number).filter((x) => x > 0);
const scaleResults = scale(sizes);
const query: QueryResult[] = [];
const dbPeople = Number(process.env.JIGSAW_MATCH_DB_PEOPLE ?? (quick ? 20_000 : 1_000_000));
if (dbPeople > 0) {
  const url = process.env.JIGSAW_BENCH_DATABASE_URL ?? process.env.JIGSAW_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  let backend: Backend | undefined;
  try {
    backend = await postgresBackend(url);
    query.push(await productQuery(backend, dbPeople));
  } catch (err) {
    skipped.push(`product query on PostgreSQL: ${(err as Error).message}`);
  } finally {
    await backend?.dispose();
  }
}
const report = { benchmark: 'match', startedAt: startedAt.toISOString(), durationSeconds: (Date.now() - startedAt.getTime()) / 1000, machine: machine(), datasets: pub.results, scale: scaleResults, query, skipped };
if (quick) {
  console.log(markdown(report, 'bench/results/(quick run, not written)'));
} else {
  await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
  const name = `${report.startedAt.slice(0, 10)}-match.json`;
  const text = `${JSON.stringify(report, null, 2)}\n`;
  await writeFile(join(ROOT, 'bench', 'results', name), text);
  await writeFile(join(ROOT, 'bench', 'results', 'latest-match.json'), text);
  const docPath = join(ROOT, 'docs', 'matching.md');
  const current = await readFile(docPath, 'utf8').catch(() => '# Person matching\n');
  const section = markdown(report, `bench/results/${name}`);
  const a = current.indexOf(START);
  const b = current.indexOf(END);
  await writeFile(docPath, a >= 0 && b > a ? `${current.slice(0, a)}${section}${current.slice(b + END.length)}` : `${current.trimEnd()}\n\n${section}\n`);
  console.log(section);
}
