import type { FastifyInstance } from 'fastify';
import type { Actor, Role } from '../../src/access/policy.ts';
import { loadActor } from '../../src/auth/auth.ts';
import type { Database, Queryable } from '../../src/db/database.ts';
import { scheduleMeeting } from '../../src/meetings/meetings.ts';
import { addPractitionerAsSystem } from '../../src/partnership/partnership.ts';
import type { AgencyType } from '../../src/partnership/schemas.ts';
import { addRelationship } from '../../src/people/people.ts';
import { openEpisode } from '../../src/process/episodes.ts';
import type { Clock } from '../../src/shared/clock.ts';
import type { ActorContext, Services } from '../../src/shared/context.ts';
import { newId } from '../../src/shared/ids.ts';
import { NewShareDecision } from '../../src/sharing/schemas.ts';
import { makeDecision } from '../../src/sharing/sharing.ts';
import { agency, partnershipWith, person, services } from '../fixtures.ts';

/**
 * One child as a social worker in children's social care sees them, for the page benchmarks
 * (bench/pages-profile.ts) and for the tests that a page's statements do not grow with the data
 * (test/web/page-statements.test.ts): the child, their mother and siblings, the other agencies'
 * linked entries sharing records, an episode with its meetings, and bulk records.
 */
export interface PageWorldOptions {
  /** Records the social worker's agency holds about the child. */
  records: number;
  /** Agencies knowing the child, the social worker's included: each other one holds a linked entry and shares. */
  agencies: number;
  /** Meetings of the child's episode (plus as many again about other children, which the page must not show). */
  meetings: number;
  /** Brothers and sisters on the child's page, besides the mother. */
  siblings: number;
}

export const SMALL_WORLD: PageWorldOptions = { records: 1, agencies: 1, meetings: 2, siblings: 0 };

export interface PageWorld {
  worker: ActorContext & { email: string; password: string };
  childId: string;
  episodeId: string;
  /** The child's family name, to search for. */
  familyName: string;
  /** The other agencies' entries for the same child, linked to the worker's and each sharing two records with her agency. */
  linkedEntryIds: string[];
}

const PASSWORD = 'blue-kettle-orchard-51';
const OTHER_TYPES: AgencyType[] = ['school', 'gp', 'health_visiting', 'police', 'hospital', 'housing', 'probation', 'mental_health', 'voluntary_sector'];
let seq = 0;

async function signedUp(s: Services, agencyId: string, roles: Role[], name: string): Promise<ActorContext & { email: string; password: string }> {
  const email = `page-world-${process.pid}-${++seq}@example.org`;
  const p = await addPractitionerAsSystem(s, { agencyId, name, email, roles, password: PASSWORD });
  return { ...s, actor: (await loadActor(s.db, p.id)) as Actor, email, password: PASSWORD };
}

/** Bulk records about one entry, as the chronology benchmark loads them: the pages are about reading. */
async function bulkRecords(tx: Queryable, personId: string, agencyId: string, authorId: string, n: number): Promise<void> {
  if (n <= 0) return;
  await tx.query(
    `INSERT INTO agency_record (id, person_id, agency_id, current_version, restricted, created_by, created_at)
     SELECT gen_random_uuid(), $1, $2, 1, false, $3, '2024-01-01T08:00:00Z'::timestamptz + g * interval '7 hours' FROM generate_series(1, $4::int) g`,
    [personId, agencyId, authorId, n]);
  await tx.query(
    `INSERT INTO agency_record_version (record_id, version, kind, occurred_at, recorded_at, author_id, categories, fact_or_opinion,
       reported_or_witnessed, source, confidential, sensitive_categories, summary, details)
     SELECT r.id, 1, (ARRAY['observation','concern','contact','incident'])[1 + abs(hashtext(r.id::text)) % 4], r.created_at - interval '3 hours', r.created_at, $2,
            ARRAY['neglect'], 'fact', 'witnessed', '{"type":"practitioner","identityProtected":false}'::jsonb, false, '{}'::text[],
            'Seen at school, tired and hungry (' || to_char(r.created_at, 'YYYY-MM-DD') || ')', 'Noted by the practitioner at the time.'
       FROM agency_record r WHERE r.person_id = $1 AND NOT EXISTS (SELECT 1 FROM agency_record_version v WHERE v.record_id = r.id)`,
    [personId, authorId]);
}

export async function pageWorld(db: Database, clock: Clock, o: PageWorldOptions): Promise<PageWorld> {
  const s = services(db, clock);
  const p = await partnershipWith(s, `Page world partnership ${++seq}`);
  const csc = await agency(s, p, 'childrens_social_care', `Northshire Children's Social Care ${seq}`);
  const worker = await signedUp(s, csc, ['social_worker'], 'Rachel Dunn');
  const familyName = 'Pageworld';
  const child = await person(worker, { names: [{ givenNames: 'Ava', familyName }], dateOfBirth: '2019-04-04' });
  const mother = await person(worker, { kind: 'adult', sex: 'female', names: [{ givenNames: 'Natasha', familyName }], dateOfBirth: '1994-05-06' });
  await addRelationship(worker, child.id, { relatedPersonId: mother.id, type: 'parent' });
  for (let i = 0; i < o.siblings; i++) {
    const sib = await person(worker, { names: [{ givenNames: `Sibling${i + 1}`, familyName }], dateOfBirth: `201${i % 10}-02-0${1 + (i % 9)}` });
    await addRelationship(worker, child.id, { relatedPersonId: sib.id, type: 'sibling' });
  }
  const other = await person(worker, { names: [{ givenNames: 'Other', familyName: 'Child' }], dateOfBirth: '2018-01-01' });

  const entries: { ctx: ActorContext; personId: string }[] = [];
  for (let i = 1; i < o.agencies; i++) {
    const a = await agency(s, p, OTHER_TYPES[(i - 1) % OTHER_TYPES.length]!, `Agency ${i} of world ${seq}`);
    const ctx = await signedUp(s, a, ['practitioner', 'safeguarding_lead'], `Practitioner ${i}`);
    entries.push({ ctx, personId: (await person(ctx, { names: [{ givenNames: 'Ava', familyName }], dateOfBirth: '2019-04-04' })).id });
  }
  await db.transaction(async (tx) => {
    await bulkRecords(tx, child.id, csc, worker.actor.practitionerId, o.records);
    for (const e of entries) {
      await bulkRecords(tx, e.personId, e.ctx.actor.agencyId, e.ctx.actor.practitionerId, 4);
      await tx.query('INSERT INTO person_link (id, person_id, other_person_id, decided_by, decided_at, reason) VALUES ($1,$2,$3,$4,$5,$6)',
        [newId(), child.id, e.personId, worker.actor.practitionerId, clock.now().toISOString(), 'Same child: page world']);
    }
  });
  // Each other agency shares two of its records with children's social care, by one recorded decision.
  for (const e of entries) {
    const { rows } = await db.query<{ id: string }>('SELECT id FROM agency_record WHERE person_id = $1 ORDER BY created_at LIMIT 2', [e.personId]);
    await makeDecision(e.ctx, NewShareDecision.parse({
      personId: e.personId, outcome: 'share', reasons: 'Section 47 enquiry: the conference needs a multi-agency chronology',
      answers: { purposeCode: 'child_protection_enquiry', purpose: 'Chronology for the conference', withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 1989 s47' },
      share: { recipients: [{ agencyId: csc }], items: rows.map((r) => ({ recordId: r.id, parts: ['summary', 'details'] })) },
      subjectInformed: { informed: false, reason: 'It would prejudice the enquiry' },
    }));
  }

  const received = new Date(clock.now().getTime() - 86_400_000).toISOString();
  const episode = await openEpisode(worker, { idempotencyKey: `world-${seq}`, childPersonId: child.id, receivedAt: received, channel: 'phone', allocatedWorkerId: worker.actor.practitionerId, team: 'Assessment' });
  const invitees = entries.slice(0, 2).map((e) => ({ agencyId: e.ctx.actor.agencyId }));
  for (let i = 0; i < o.meetings; i++) {
    const at = new Date(clock.now().getTime() + (i + 1) * 86_400_000).toISOString();
    await scheduleMeeting(worker, { kind: 'core_group', title: `Core group ${i + 1}`, series: 'Core group', episodeId: episode.id, scheduledAt: at, subjectPersonIds: [child.id], invitees });
    // Another child's meeting, interleaved: the episode page shows only its own.
    await scheduleMeeting(worker, { kind: 'strategy_discussion', title: `Strategy discussion ${i + 1}`, scheduledAt: at, subjectPersonIds: [other.id], invitees: [] });
  }
  await db.exec('ANALYZE');
  return { worker, childId: child.id, episodeId: episode.id, familyName, linkedEntryIds: entries.map((e) => e.personId) };
}

/** Counts the statements run through a database (also inside its transactions). */
export function counting(db: Database): { db: Database; count: () => number; statements: () => readonly string[]; reset: () => void } {
  let n = 0;
  let run: string[] = [];
  const wrap = (q: Queryable): Queryable => ({
    query: <T>(sql: string, params?: readonly unknown[]) => {
      n += 1;
      run.push(sql);
      return q.query<T>(sql, params);
    },
    exec: (sql: string) => q.exec(sql),
  });
  const base = wrap(db);
  return {
    db: { kind: db.kind, query: (sql, params) => base.query(sql, params), exec: (sql) => base.exec(sql), transaction: (fn) => db.transaction((tx) => fn(wrap(tx))), close: () => db.close() },
    count: () => n,
    statements: () => run,
    reset: () => { n = 0; run = []; },
  };
}

const HTML = { accept: 'text/html' };

/** A signed-in browser: the session cookie, and the CSRF cookie and token of the last form seen. */
export class Browser {
  private cookies: Record<string, string> = {};
  csrfToken = '';

  constructor(readonly app: FastifyInstance) {}

  async signIn(who: { email: string; password: string }): Promise<void> {
    const res = await this.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: who.email, password: who.password } });
    if (res.statusCode >= 300) throw new Error(`sign-in failed: ${res.statusCode}`);
    for (const c of res.cookies) this.cookies[c.name] = c.value;
  }

  async get(url: string): Promise<{ status: number; body: string; requestId: string }> {
    const res = await this.app.inject({ url, headers: HTML, cookies: this.cookies });
    for (const c of res.cookies) this.cookies[c.name] = c.value;
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
    if (token) this.csrfToken = token;
    return { status: res.statusCode, body: res.body, requestId: String(res.headers['x-request-id']) };
  }

  async post(url: string, form: Record<string, string | string[]>): Promise<{ status: number; body: string; location?: string }> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...form, _csrf: this.csrfToken })) for (const x of [v].flat()) body.append(k, x);
    const res = await this.app.inject({ method: 'POST', url, headers: { ...HTML, 'content-type': 'application/x-www-form-urlencoded' }, cookies: this.cookies, payload: body.toString() });
    for (const c of res.cookies) this.cookies[c.name] = c.value;
    return { status: res.statusCode, body: res.body, location: res.headers.location };
  }
}

/** A record as the "Record a concern" form sends it (today, a fact the practitioner saw). */
export function recordForm(clock: Clock, summary = 'Arrived at school hungry, no coat'): Record<string, string | string[]> {
  // Yesterday: "today or in the past" whatever the hour the test or benchmark runs at.
  const d = new Date(clock.now().getTime() - 86_400_000);
  return {
    kind: 'concern', 'occurred-day': String(d.getUTCDate()), 'occurred-month': String(d.getUTCMonth() + 1), 'occurred-year': String(d.getUTCFullYear()),
    occurredTime: '09:00', categories: ['neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', sourceType: 'practitioner', confidential: 'no', summary,
  };
}

export { services };
