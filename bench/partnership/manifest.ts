import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Queryable } from '../../src/db/database.ts';
import { rngFor } from './names.ts';
import { insertRows } from './insert.ts';
import type { EpisodePlan } from './episodes.ts';
import type { World } from './world.ts';

/**
 * What the load driver needs: who signs in (a ready session each), and for each of them the people,
 * children and names that make each page of the mix meaningful for that practitioner.
 */

export interface PersonRef {
  id: string;
  /** The name the page shows ("Given Family"), for checking that the page is about this person. */
  name: string;
}

export interface ManifestUser {
  practitionerId: string;
  agencyId: string;
  agencyType: string;
  roles: string[];
  /** The cookie value for `jigsaw_session` (only its SHA-256 is in the database). */
  sessionToken: string;
  /** Entries of the user's own agency: the person page. */
  people: PersonRef[];
  /** Own-agency entries linked to other agencies' entries that have shared records with this agency: the multi-agency chronology. */
  chronologyChildren: PersonRef[];
  /** Names to search for (POST /people/find), each finding at least the entry named. */
  searches: { name: string; expectedId: string }[];
  /** Own-agency entries the user may add a record to. */
  recordTargets: PersonRef[];
}

export interface PartnershipManifest {
  seed: number;
  people: number;
  asOf: string;
  partnershipId: string;
  counts: Record<string, number>;
  loadSeconds: number;
  /** The cookie holding the session token; the CSRF secret comes back in `jigsaw_csrf` from any page GET. */
  sessionCookie: 'jigsaw_session';
  users: ManifestUser[];
  /** Children's social care episodes with the most meetings, for the episode page (/episodes/:id), with a user of that agency who may open them. */
  episodes: { id: string; meetings: number; childName: string; userIndex: number }[];
}

const PER_USER = 20;
const sha256 = (v: string): string => createHash('sha256').update(v).digest('hex');
const nameOf = (w: World, i: number): PersonRef => ({ id: w.entries[i]!.id, name: `${w.entries[i]!.given} ${w.entries[i]!.family}` });

/**
 * ~300 signed-in practitioners (fewer in a small partnership), spread over the agencies in
 * proportion to the entries they hold, every children's social care and school agency included.
 * Only roles that use these pages and owe no second factor (practitioner, social worker,
 * safeguarding lead); their sessions are opened as openWebSession does (hash only, method
 * password) with a 30-day expiry.
 */
export async function openSessions(db: Queryable, w: World, episodes: EpisodePlan[], grantedTo: Map<number, Set<number>>, users = 300): Promise<Pick<PartnershipManifest, 'users' | 'episodes'>> {
  const rnd = rngFor(w.seed, 8);
  const entriesOf = w.agencies.map(() => [] as number[]);
  w.entries.forEach((e, i) => entriesOf[e.agency]!.push(i));
  const eligible = w.staff.map((s, i) => [s, i] as const).filter(([s]) => s.roles.some((r) => r === 'practitioner' || r === 'social_worker' || r === 'safeguarding_lead'));
  const want = Math.min(users, eligible.length);
  // Seats per agency by share of entries, at least one for every agency with staff.
  const seats = w.agencies.map((_, a) => Math.max(1, Math.round((want * entriesOf[a]!.length) / w.entries.length)));
  const chosen: number[] = [];
  for (let round = 0; chosen.length < want && round < 50; round++) {
    w.agencies.forEach((_, a) => {
      const mine = eligible.filter(([s]) => s.agency === a).map(([, i]) => i);
      const k = Math.min(seats[a]!, mine.length);
      if (round < k && chosen.length < want) chosen.push(mine[round]!);
    });
  }
  // Agencies with fewer staff than seats leave some over: the rest go to whoever is left, busiest agencies first.
  const taken = new Set(chosen);
  const spare = eligible.map(([, i]) => i).filter((i) => !taken.has(i)).sort((x, y) => entriesOf[w.staff[y]!.agency]!.length - entriesOf[w.staff[x]!.agency]!.length || x - y);
  while (chosen.length < want && spare.length) chosen.push(spare.shift()!);
  const now = new Date();
  const out: ManifestUser[] = [];
  const sessions: (string | null)[][] = [];
  for (const si of chosen) {
    const s = w.staff[si]!;
    const own = entriesOf[s.agency]!;
    const sample = (list: readonly number[], n: number): number[] => {
      const picked = new Set<number>();
      for (let t = 0; t < n * 4 && picked.size < Math.min(n, list.length); t++) picked.add(list[Math.floor(rnd() * list.length)]!);
      return [...picked];
    };
    // People with some history, so the pages have something to show.
    const withRecords = own.filter((i) => w.entries[i]!.records > 0);
    const people = sample(withRecords.length ? withRecords : own, PER_USER);
    const shared = [...(grantedTo.get(s.agency) ?? [])];
    const token = `jss_bench_${randomBytes(24).toString('base64url')}`;
    sessions.push([sha256(token), s.id, now.toISOString(), now.toISOString(), new Date(now.getTime() + 30 * 86_400_000).toISOString(), 'password']);
    out.push({
      practitionerId: s.id, agencyId: w.agencies[s.agency]!.id, agencyType: w.agencies[s.agency]!.type, roles: s.roles, sessionToken: token,
      people: people.map((i) => nameOf(w, i)),
      chronologyChildren: sample(shared, PER_USER).map((i) => nameOf(w, i)),
      searches: sample(own, PER_USER).map((i) => ({ name: nameOf(w, i).name, expectedId: w.entries[i]!.id })),
      recordTargets: sample(own.filter((i) => w.entries[i]!.kind === 'child'), PER_USER).map((i) => nameOf(w, i)),
    });
  }
  await insertRows(db, 'web_session', { token_hash: 'text', practitioner_id: 'uuid', created_at: 'timestamptz', last_seen_at: 'timestamptz', expires_at: 'timestamptz', method: 'text' }, sessions);
  const byMeetings = episodes.filter((e) => e.meetings > 0).sort((a, b) => b.meetings - a.meetings || a.id.localeCompare(b.id)).slice(0, 20);
  const episodeList = byMeetings.flatMap((e) => {
    const agency = w.entries[e.child]!.agency;
    const userIndex = out.findIndex((u) => u.agencyId === w.agencies[agency]!.id);
    return userIndex >= 0 ? [{ id: e.id, meetings: e.meetings, childName: nameOf(w, e.child).name, userIndex }] : [];
  });
  return { users: out, episodes: episodeList };
}

/**
 * Sessions go idle after JIGSAW_SESSION_IDLE_MINUTES (30 by default): a driver starting later
 * than that after loading calls this first (or runs the server with a longer idle limit).
 */
export async function refreshSessions(db: Queryable, m: PartnershipManifest): Promise<void> {
  await db.query(
    "UPDATE web_session SET last_seen_at = now(), expires_at = greatest(expires_at, now() + interval '30 days'), ended_at = NULL WHERE token_hash = ANY($1::text[])",
    [m.users.map((u) => sha256(u.sessionToken))],
  );
}

export async function writeManifest(path: string, m: PartnershipManifest): Promise<void> {
  await writeFile(path, `${JSON.stringify(m, null, 2)}\n`);
}
