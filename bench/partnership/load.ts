import type { Database, Queryable } from '../../src/db/database.ts';
import type { MatchInput } from '../../src/matching/record.ts';
import { MATCH_INDEX_VERSION, matchKeys, matchTerms, searchKeys } from '../../src/matching/store.ts';
import { loadEpisodes } from './episodes.ts';
import { idFor } from './names.ts';
import { insertRows, type Cell } from './insert.ts';
import { openSessions, type PartnershipManifest } from './manifest.ts';
import { loadRecords, loadShares } from './records.ts';
import { generateWorld, type PartnershipOptions, type World } from './world.ts';

/**
 * Loads a generated partnership into a freshly migrated, empty database (the caller migrates) and
 * answers the manifest the load driver needs. Set-based and batched: see insert.ts and records.ts.
 *
 * The loaded history has no audit entries (nothing was "done" through the services; the audit
 * trail starts with the benchmark's own requests), no notifications, and records have one
 * version each. Everything the pages read is consistent: every entry is in the people-search
 * index exactly as indexPerson writes it, links join entries of the same person, grants name
 * records of the sharing entry, episodes fold through the process engine.
 */

export interface LoadOptions extends PartnershipOptions {
  /** Signed-in practitioners in the manifest (default 300). */
  users?: number;
  onProgress?: (step: string, detail?: string) => void;
}

const ROLE_TABLE = { practitioner_id: 'uuid', role: 'text' } as const;

async function loadPeople(db: Queryable, w: World): Promise<void> {
  await db.query("INSERT INTO partnership (id, name, nation, created_at) VALUES ($1, 'Northshire and Southshire Safeguarding Partnership', 'england-and-wales', $2)", [w.partnershipId, '2020-01-01T00:00:00Z']);
  await insertRows(db, 'agency', { id: 'uuid', name: 'text', type: 'text', local_authority_code: 'text', contact_phone: 'text', contact_email: 'text', created_at: 'timestamptz' },
    w.agencies.map((a, i) => [a.id, a.name, a.type, a.laCode, `01632 96${String(1000 + i).slice(-4)}`, `safeguarding@${a.domain}`, '2020-01-01T00:00:00Z']));
  await insertRows(db, 'partnership_agency', { partnership_id: 'uuid', agency_id: 'uuid' }, w.agencies.map((a) => [w.partnershipId, a.id]));
  await insertRows(db, 'practitioner', { id: 'uuid', agency_id: 'uuid', name: 'text', email: 'text', job_title: 'text', created_at: 'timestamptz' },
    w.staff.map((s) => [s.id, w.agencies[s.agency]!.id, s.name, s.email, s.jobTitle, '2020-01-01T00:00:00Z']));
  await insertRows(db, 'practitioner_role', ROLE_TABLE, w.staff.flatMap((s) => s.roles.map((r) => [s.id, r])));
  await insertRows(db, 'person', { id: 'uuid', agency_id: 'uuid', kind: 'text', date_of_birth: 'date', sex: 'text', nhs_number: 'text', created_by: 'uuid', created_at: 'timestamptz' },
    w.entries.map((e) => [e.id, w.agencies[e.agency]!.id, e.kind, e.dob, e.sex, e.nhs, w.staff[e.createdBy]!.id, e.createdAt]));
  await insertRows(db, 'person_name', { id: 'uuid', person_id: 'uuid', use: 'text', given_names: 'text', family_name: 'text', position: 'int' },
    w.entries.map((e, i) => [idFor(w.seed, `name:${i}`), e.id, 'usual', e.given, e.family, 0]));
  await insertRows(db, 'person_address', { id: 'uuid', person_id: 'uuid', line1: 'text', town: 'text', postcode: 'text', position: 'int' },
    w.entries.map((e, i) => [idFor(w.seed, `address:${i}`), e.id, e.line1, e.town, e.postcode, 0]));
  await insertRows(db, 'relationship', { id: 'uuid', person_id: 'uuid', related_person_id: 'uuid', type: 'text', created_by: 'uuid', created_at: 'timestamptz' },
    w.parents.map(([c, p], i) => [idFor(w.seed, `relationship:${i}`), w.entries[c]!.id, w.entries[p]!.id, 'parent', w.staff[w.entries[c]!.createdBy]!.id, w.entries[c]!.createdAt]));
  await insertRows(db, 'person_link', { id: 'uuid', person_id: 'uuid', other_person_id: 'uuid', decided_by: 'uuid', decided_at: 'timestamptz', reason: 'text', lawful_basis: 'text' },
    w.links.map(([a, b, by], i) => [idFor(w.seed, `link:${i}`), w.entries[a]!.id, w.entries[b]!.id, w.staff[by]!.id,
      new Date(Math.max(Date.parse(w.entries[a]!.createdAt), Date.parse(w.entries[b]!.createdAt))).toISOString(), 'Same name, date of birth and address', null]));
}

/** The matcher's copy of every entry, as indexPerson (src/matching/store.ts) writes it, so the people search and candidates find them. */
async function loadMatchIndex(db: Queryable, w: World): Promise<number> {
  const parents = new Map<number, string[]>();
  for (const [c, p] of w.parents) {
    const list = parents.get(c) ?? [];
    const name = `${w.entries[p]!.given} ${w.entries[p]!.family}`.trim();
    if (!list.includes(name)) list.push(name);
    parents.set(c, list);
  }
  const terms = new Map<string, number>([['*\u0000*', w.entries.length]]);
  const match: Cell[][] = [];
  const keys: Cell[][] = [];
  w.entries.forEach((e, i) => {
    const input: MatchInput = {
      firstName: e.given, lastName: e.family, otherNames: [], dateOfBirth: e.dob, expectedDelivery: null, sex: e.sex, nhsNumber: e.nhs,
      address: e.line1, postcode: e.postcode, town: e.town, parents: parents.get(i) ?? [],
    };
    match.push([e.id, w.agencies[e.agency]!.id, JSON.stringify(input), e.createdAt, MATCH_INDEX_VERSION]);
    for (const k of new Set([...matchKeys(input, []), ...searchKeys(input)])) keys.push([k, e.id]);
    const t = matchTerms(input);
    if (t.first) terms.set(`first\u0000${t.first}`, (terms.get(`first\u0000${t.first}`) ?? 0) + 1);
    if (t.last) terms.set(`last\u0000${t.last}`, (terms.get(`last\u0000${t.last}`) ?? 0) + 1);
  });
  await insertRows(db, 'person_match', { person_id: 'uuid', agency_id: 'uuid', features: 'jsonb', indexed_at: 'timestamptz', index_version: 'int' }, match);
  await insertRows(db, 'person_match_key', { key: 'text', person_id: 'uuid' }, keys);
  await insertRows(db, 'person_match_term', { field: 'text', value: 'text', n: 'int' }, [...terms].map(([k, n]) => [...k.split('\u0000'), n]));
  return keys.length;
}

export async function loadPartnership(db: Database, o: LoadOptions): Promise<PartnershipManifest> {
  const t0 = performance.now();
  const say = (step: string, detail?: string): void => o.onProgress?.(step, detail);
  const w = generateWorld(o);
  say('generated', `${w.agencies.length} agencies, ${w.staff.length} practitioners, ${w.entries.length} person entries of ${w.individuals.length} people`);
  // One transaction; as the database's owner, with foreign-key triggers off (replica mode), as a
  // restore does: the generator makes every reference consistent, and checking 2 million records'
  // four references one row at a time would be most of the load.
  const loaded = await db.transaction(async (tx) => {
    const owner = (await tx.query<{ su: boolean }>('SELECT rolsuper AS su FROM pg_roles WHERE rolname = current_user')).rows[0]?.su === true;
    if (owner) await tx.query('SET LOCAL session_replication_role = replica');
    await loadPeople(tx, w);
    say('people', `${w.entries.length} entries, ${w.links.length} same-person links, ${w.parents.length} parent relationships`);
    const keys = await loadMatchIndex(tx, w);
    say('match index', `${keys} search keys`);
    const records = await loadRecords(tx, w, (done) => say('records', `${done} records`));
    const shares = await loadShares(tx, w);
    say('shares', `${shares.decisions} decisions, ${shares.grants} grants`);
    const episodes = await loadEpisodes(tx, w);
    say('episodes', `${episodes.episodes.length} episodes, ${episodes.actions} actions, ${episodes.meetings} meetings`);
    return { keys, records, shares, episodes };
  });
  const { keys, records, shares, episodes } = loaded;
  say('analyse');
  await db.exec('ANALYZE');
  const { users, episodes: episodeList } = await openSessions(db, w, episodes.episodes, shares.byGrantee, o.users);
  const loadSeconds = Math.round((performance.now() - t0) / 100) / 10;
  say('done', `${loadSeconds} s`);
  return {
    seed: o.seed, people: o.people, asOf: w.asOf, partnershipId: w.partnershipId,
    counts: {
      agencies: w.agencies.length, practitioners: w.staff.length, personEntries: w.entries.length, individuals: w.individuals.length, links: w.links.length,
      relationships: w.parents.length, matchKeys: keys, records, shareDecisions: shares.decisions, shareGrants: shares.grants,
      episodes: episodes.episodes.length, episodeActions: episodes.actions, meetings: episodes.meetings, monitoringArrangements: episodes.arrangements, users: users.length,
    },
    loadSeconds, sessionCookie: 'jigsaw_session', users, episodes: episodeList,
  };
}
