import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CASEWORK_ROLES, ROLES, type Role } from '../src/access/policy.ts';
import type { Database } from '../src/db/database.ts';
import { addRecord, correctRecord, getRecord, getRecordHistory, listPersonRecords, setRestriction } from '../src/records/records.ts';
import type { ActorContext, Services } from '../src/shared/context.ts';
import { Problem } from '../src/shared/errors.ts';
import { newId } from '../src/shared/ids.ts';
import { resetDb, useTestDb } from './db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from './fixtures.ts';
import { planWorld } from './plan-world.ts';
import { getPlan } from '../src/plans/plans.ts';
import { getMeeting, recordOutcome, scheduleMeeting } from '../src/meetings/meetings.ts';
import { MeetingOutcome, NewMeeting } from '../src/meetings/schemas.ts';

/**
 * Random partnerships, built through the real services and database, then every practitioner
 * tries every record. What they may do is decided by a model of the rules written here; what
 * they can do, and what the audit trail says about it, must agree with it exactly.
 */

interface WorldSpec {
  agencies: number;
  staff: { agency: number; roles: Role[] }[];
  people: { agency: number }[];
  records: { person: number; author: number; restricted: boolean; named: number[] }[];
}

const worldArb: fc.Arbitrary<WorldSpec> = fc
  .record({
    agencies: fc.integer({ min: 2, max: 4 }),
    staff: fc.array(fc.record({ agency: fc.nat(), roles: fc.subarray([...ROLES], { minLength: 1, maxLength: 3 }) }), { minLength: 1, maxLength: 4 }),
    people: fc.array(fc.record({ agency: fc.nat() }), { minLength: 1, maxLength: 3 }),
    records: fc.array(
      fc.record({ person: fc.nat(), author: fc.nat(), restricted: fc.boolean(), named: fc.subarray([0, 1, 2, 3]) }),
      { minLength: 1, maxLength: 4 },
    ),
  })
  .map((w) => ({
    ...w,
    staff: w.staff.map((p) => ({ ...p, agency: p.agency % w.agencies })),
    people: w.people.map((p) => ({ agency: p.agency % w.agencies })),
  }));

interface Staff {
  ctx: ActorContext;
  id: string;
  agencyId: string;
  roles: readonly Role[];
}

interface Rec {
  id: string;
  personId: string;
  agencyId: string;
  restricted: boolean;
  createdBy: string;
  named: string[];
  version: number;
}

interface World {
  staff: Staff[];
  people: { id: string; agencyId: string }[];
  records: Rec[];
}

async function build(s: Services, spec: WorldSpec): Promise<World> {
  const p = await partnershipWith(s);
  const agencyIds: string[] = [];
  const founders: Staff[] = [];
  for (let i = 0; i < spec.agencies; i++) {
    const id = await agency(s, p, i % 2 === 0 ? 'school' : 'health_visiting');
    agencyIds.push(id);
    // Each agency has one ordinary practitioner, so that it always has someone to record things.
    const ctx = await practitioner(s, id, ['practitioner']);
    founders.push({ ctx, id: ctx.actor.practitionerId, agencyId: id, roles: ctx.actor.roles });
  }
  const random: Staff[] = [];
  for (const st of spec.staff) {
    const ctx = await practitioner(s, agencyIds[st.agency]!, st.roles);
    random.push({ ctx, id: ctx.actor.practitionerId, agencyId: ctx.actor.agencyId, roles: st.roles });
  }
  const people: World['people'] = [];
  for (const pp of spec.people) {
    const owner = founders[pp.agency]!;
    people.push({ id: (await person(owner.ctx)).id, agencyId: owner.agencyId });
  }
  const records: Rec[] = [];
  for (const r of spec.records) {
    const subject = people[r.person % people.length]!;
    const authors = [...founders, ...random].filter((x) => x.agencyId === subject.agencyId && x.roles.some((role) => CASEWORK_ROLES.includes(role)));
    const author = authors[r.author % authors.length]!;
    const named = [...new Set(r.named.flatMap((i) => (random[i] && random[i].agencyId === subject.agencyId ? [random[i].id] : [])))];
    const rec = await addRecord(author.ctx, subject.id, concern({ restricted: r.restricted, namedPractitionerIds: named }));
    records.push({ id: rec.id, personId: subject.id, agencyId: subject.agencyId, restricted: r.restricted, createdBy: author.id, named, version: 1 });
  }
  return { staff: [...founders, ...random], people, records };
}

// ---- The rules, as a model independent of src/access/policy.ts (no grants exist yet). ----

const doesCasework = (s: Staff): boolean => s.roles.some((r) => ['practitioner', 'safeguarding_lead', 'manager', 'social_worker', 'caldicott_guardian'].includes(r));
const mayRead = (s: Staff, r: Rec): boolean =>
  s.agencyId === r.agencyId && doesCasework(s) && (!r.restricted || r.createdBy === s.id || r.named.includes(s.id) || s.roles.includes('safeguarding_lead'));
const mayChange = (s: Staff, r: Rec): boolean => mayRead(s, r) && (r.createdBy === s.id || s.roles.includes('safeguarding_lead') || s.roles.includes('manager'));
const mayOpenPerson = (s: Staff, p: { agencyId: string }): boolean => s.agencyId === p.agencyId && doesCasework(s);

// ---- Observing outcomes and the audit trail. ----

interface AuditRow {
  seq: number;
  actor_practitioner_id: string | null;
  action: string;
  outcome: string;
  entity_id: string | null;
}

const problemShape = (e: unknown): unknown => {
  if (!(e instanceof Problem)) throw e instanceof Error ? e : new Error(String(e));
  return { status: e.status, type: e.type, title: e.title, detail: e.detail, errors: e.errors, extra: e.extra };
};

type Outcome<T> = { ok: true; value: T } | { ok: false; problem: unknown };
async function attempt<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    return { ok: false, problem: problemShape(e) };
  }
}

/** Runs one call and returns its outcome with the audit rows it added. */
class Observer {
  private seq = 0;
  constructor(private readonly db: Database) {}

  async start(): Promise<void> {
    this.seq = (await this.db.query<{ seq: number | null }>('SELECT max(seq) AS seq FROM audit_event')).rows[0]?.seq ?? 0;
  }

  async run<T>(fn: () => Promise<T>): Promise<{ outcome: Outcome<T>; audited: AuditRow[] }> {
    const outcome = await attempt(fn);
    const { rows } = await this.db.query<AuditRow>(
      'SELECT seq, actor_practitioner_id, action, outcome, entity_id FROM audit_event WHERE seq > $1 ORDER BY seq',
      [this.seq],
    );
    this.seq = rows.at(-1)?.seq ?? this.seq;
    return { outcome, audited: rows };
  }
}

const audited = (actor: string, action: string, outcome: string, entityId: string): Omit<AuditRow, 'seq'> => ({
  actor_practitioner_id: actor,
  action,
  outcome,
  entity_id: entityId,
});
const withoutSeq = (rows: AuditRow[]): Omit<AuditRow, 'seq'>[] => rows.map(({ seq: _seq, ...rest }) => rest);

describe('record access through the services, by property', () => {
  const t = useTestDb();
  const NUM_RUNS = 20;

  it('nobody reads a record beyond their reach, a refusal looks exactly like a missing record, and every read and refusal is audited', async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, async (spec) => {
        const db = t.db();
        await resetDb(db);
        const world = await build(services(db), spec);
        const obs = new Observer(db);
        await obs.start();

        for (const who of world.staff) {
          const missingId = newId();
          const missing = await obs.run(() => getRecord(who.ctx, missingId));
          expect(missing.outcome.ok).toBe(false);
          const notFound = missing.outcome.ok ? undefined : missing.outcome.problem;
          expect(notFound).toMatchObject({ status: 404 });
          expect(withoutSeq(missing.audited)).toEqual([audited(who.id, 'record.read', 'not_found', missingId)]);

          for (const rec of world.records) {
            const allowed = mayRead(who, rec);
            const reads: [string, (ctx: ActorContext, id: string) => Promise<unknown>][] = [['record.read', getRecord], ['record.history', getRecordHistory]];
            for (const [action, read] of reads) {
              const r = await obs.run(() => read(who.ctx, rec.id));
              if (allowed) {
                expect(r.outcome.ok, `${action} by an entitled reader`).toBe(true);
                expect(withoutSeq(r.audited)).toEqual([audited(who.id, action, 'success', rec.id)]);
              } else {
                expect(r.outcome.ok, `${action} beyond reach`).toBe(false);
                expect(r.outcome.ok ? undefined : r.outcome.problem).toEqual(notFound);
                expect(withoutSeq(r.audited)).toEqual([audited(who.id, action, 'denied', rec.id)]);
              }
            }
          }

          for (const subject of world.people) {
            const r = await obs.run(() => listPersonRecords(who.ctx, subject.id));
            if (mayOpenPerson(who, subject)) {
              const expected = world.records.filter((rec) => rec.personId === subject.id && mayRead(who, rec)).map((rec) => rec.id);
              expect(r.outcome.ok).toBe(true);
              expect(r.outcome.ok ? r.outcome.value.map((x) => x.id).sort() : []).toEqual(expected.sort());
              expect(withoutSeq(r.audited)).toEqual([audited(who.id, 'record.list', 'success', subject.id)]);
            } else {
              expect(r.outcome.ok).toBe(false);
              expect(r.outcome.ok ? undefined : r.outcome.problem).toMatchObject({ status: 404, type: (notFound as { type: string }).type });
              expect(withoutSeq(r.audited)).toEqual([audited(who.id, 'record.list', 'denied', subject.id)]);
            }
          }
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('nobody corrects or restricts a record beyond their reach, refusals change nothing, and every attempt is audited', async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, async (spec) => {
        const db = t.db();
        await resetDb(db);
        const world = await build(services(db), spec);
        const obs = new Observer(db);
        await obs.start();
        const notFound = await attempt(() => getRecord(world.staff[0]!.ctx, newId()));
        await obs.start();

        for (const who of world.staff) {
          for (const rec of world.records) {
            const allowed = mayChange(who, rec);
            const c = await obs.run(() => correctRecord(who.ctx, rec.id, { baseVersion: rec.version, correctionReason: 'Checked against the register' }));
            // Restating the record's current visibility: allowed or not, who may see it stays the same.
            const s = await obs.run(() => setRestriction(who.ctx, rec.id, { restricted: rec.restricted, namedPractitionerIds: rec.named }));
            if (allowed) {
              expect(c.outcome.ok, 'correction by the author or an agency lead').toBe(true);
              expect(s.outcome.ok, 'restriction by the author or an agency lead').toBe(true);
              rec.version += 1;
              expect(withoutSeq(c.audited)).toEqual([audited(who.id, 'record.correct', 'success', rec.id)]);
              expect(withoutSeq(s.audited)).toEqual([audited(who.id, 'record.restrict', 'success', rec.id)]);
            } else {
              expect(c.outcome.ok, 'correction beyond reach').toBe(false);
              expect(s.outcome.ok, 'restriction beyond reach').toBe(false);
              // A reader who may not correct is also told "not found": the answer never says the record exists.
              expect(c.outcome.ok ? undefined : c.outcome.problem).toEqual(notFound.ok ? undefined : notFound.problem);
              expect(s.outcome.ok ? undefined : s.outcome.problem).toEqual(notFound.ok ? undefined : notFound.problem);
              expect(withoutSeq(c.audited)).toEqual([audited(who.id, 'record.correct', 'denied', rec.id)]);
              expect(withoutSeq(s.audited)).toEqual([audited(who.id, 'record.restrict', 'denied', rec.id)]);
            }
          }
        }

        // Only the permitted corrections took effect, and nobody's visibility changed.
        const { rows } = await db.query<{ id: string; current_version: number; restricted: boolean; named: string[] | null }>(
          `SELECT r.id, r.current_version, r.restricted,
                  (SELECT array_agg(n.practitioner_id) FROM record_named_practitioner n WHERE n.record_id = r.id) AS named
             FROM agency_record r`,
        );
        const state = Object.fromEntries(rows.map((r) => [r.id, { version: r.current_version, restricted: r.restricted, named: [...(r.named ?? [])].sort() }]));
        expect(state).toEqual(Object.fromEntries(world.records.map((r) => [r.id, { version: r.version, restricted: r.restricted, named: [...r.named].sort() }])));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  /**
   * Issue 18: a member of another agency reads the plan only while in the core group (or while its
   * agency is invited to the conference that made the current version). Random conferences, each
   * with a random core group from the school, health visiting and the police and random invitees;
   * after each one every practitioner, with random roles, tries the plan.
   */
  it('a member of another agency reads the plan only while in the core group or invited; a refusal looks like no plan; every try is audited', async () => {
    const conferenceArb = fc.record({ core: fc.subarray([0, 1, 2, 3]), invited: fc.subarray([0, 1, 2]) });
    const specArb = fc.record({
      conferences: fc.array(conferenceArb, { minLength: 1, maxLength: 3 }),
      extra: fc.array(fc.record({ agency: fc.integer({ min: 0, max: 3 }), roles: fc.subarray([...ROLES], { minLength: 1, maxLength: 2 }) }), { maxLength: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(specArb, async (spec) => {
        const db = t.db();
        await resetDb(db);
        const w = await planWorld(db);
        const others = [w.school, w.hv, w.police];
        const agencies = [w.csc, ...others];
        // Candidates for the core group: the school's lead and teacher, the health visitor, the police officer.
        const candidates = [w.dsl, w.teacher, w.visitor, w.officer];
        const staff: Staff[] = [w.worker, w.manager, w.dsl, w.teacher, w.visitor, w.officer, w.stranger].map((c) => ({ ctx: c, id: c.actor.practitionerId, agencyId: c.actor.agencyId, roles: c.actor.roles }));
        for (const x of spec.extra) {
          const ctx = await practitioner(w.s, agencies[x.agency]!, x.roles);
          staff.push({ ctx, id: ctx.actor.practitionerId, agencyId: ctx.actor.agencyId, roles: x.roles });
        }
        const obs = new Observer(db);
        let planId: string | undefined;
        const dates = ['2026-11-19T10:00:00Z', '2027-02-19T10:00:00Z', '2027-08-19T10:00:00Z'];
        for (const [i, c] of spec.conferences.entries()) {
          const core = c.core.map((k) => candidates[k]!);
          const invited = [w.csc, ...c.invited.map((k) => others[k]!)];
          await w.conference(dates[i]!, i === 0 ? 'initial' : 'review', invited, w.planDetails(core));
          planId ??= await w.planOf();
          // The model: children's social care's caseworkers; another agency's caseworkers while it is invited or has a member in the core group.
          const readers = new Set([w.csc, ...invited, ...core.map((m) => m.actor.agencyId)]);
          await obs.start();
          const missing = await attempt(() => getPlan(w.dsl, newId()));
          await obs.start();
          for (const who of staff) {
            const allowed = doesCasework(who) && readers.has(who.agencyId);
            const r = await obs.run(() => getPlan(who.ctx, planId!));
            const tries = withoutSeq(r.audited).filter((a) => a.action === 'plan.read');
            if (allowed) {
              expect(r.outcome.ok, 'the plan read by an agency in it').toBe(true);
              expect(r.outcome.ok ? r.outcome.value.version.version : 0).toBe(i + 1);
              expect(tries).toEqual([audited(who.id, 'plan.read', 'success', planId)]);
            } else {
              expect(r.outcome.ok, 'the plan beyond reach').toBe(false);
              expect(r.outcome.ok ? undefined : r.outcome.problem).toEqual(missing.ok ? undefined : missing.problem);
              expect(tries.map((a) => [a.actor_practitioner_id, a.outcome])).toEqual([[who.id, 'denied']]);
            }
          }
        }
      }),
      { numRuns: 8 },
    );
  });
  /**
   * Issue 18: a meeting across agencies opens to the convening agency, to an agency invited without
   * a named practitioner, to a named invitee (not her colleagues), and to the owner of one of its
   * actions — casework roles only; to anyone else it looks like no meeting. Random invitees (named
   * or by agency) and action owners from the school, health visiting and the police.
   */
  it('a meeting opens only to the convening agency, its invitees and its action owners; a refusal looks like no meeting; every try is audited', async () => {
    const specArb = fc.record({
      invitees: fc.array(fc.record({ who: fc.integer({ min: 0, max: 3 }), named: fc.boolean() }), { minLength: 1, maxLength: 4 }),
      owners: fc.subarray([0, 1, 2, 3]),
      extra: fc.array(fc.record({ agency: fc.integer({ min: 0, max: 3 }), roles: fc.subarray([...ROLES], { minLength: 1, maxLength: 2 }) }), { maxLength: 2 }),
    });
    await fc.assert(
      fc.asyncProperty(specArb, async (spec) => {
        const db = t.db();
        await resetDb(db);
        const w = await planWorld(db);
        const agencies = [w.csc, w.school, w.hv, w.police];
        const candidates = [w.dsl, w.teacher, w.visitor, w.officer];
        const staff: Staff[] = [w.worker, w.manager, w.dsl, w.teacher, w.visitor, w.officer, w.stranger].map((c) => ({ ctx: c, id: c.actor.practitionerId, agencyId: c.actor.agencyId, roles: c.actor.roles }));
        for (const x of spec.extra) {
          const ctx = await practitioner(w.s, agencies[x.agency]!, x.roles);
          staff.push({ ctx, id: ctx.actor.practitionerId, agencyId: ctx.actor.agencyId, roles: x.roles });
        }
        const invitees = spec.invitees.map((i) => ({ agencyId: candidates[i.who]!.actor.agencyId, ...(i.named ? { practitionerId: candidates[i.who]!.actor.practitionerId } : {}) }));
        const meeting = await scheduleMeeting(w.worker, NewMeeting.parse({
          kind: 'core_group', title: 'Core group', episodeId: w.episode.id, scheduledAt: '2026-10-30T10:00:00Z', subjectPersonIds: [w.ava.id], invitees,
        }));
        const owners = spec.owners.map((k) => candidates[k]!.actor.practitionerId);
        if (owners.length) {
          await recordOutcome(w.worker, meeting.id, MeetingOutcome.parse({
            heldAt: '2026-10-30T10:00:00Z', attendance: [], actions: owners.map((ownerId) => ({ ownerId, description: 'An action', dueOn: '2026-12-01' })),
            minutes: 'Minutes', familyTold: 'Told by the social worker',
          }));
        }
        // The model, as the guidance has it: the convening agency's record, opened to whom it invites or gives work.
        const opens = (who: Staff): boolean => doesCasework(who) && (who.agencyId === w.csc || owners.includes(who.id)
          || invitees.some((i) => i.agencyId === who.agencyId && (i.practitionerId === undefined || i.practitionerId === who.id)));
        const obs = new Observer(db);
        await obs.start();
        const missing = await attempt(() => getMeeting(w.dsl, newId()));
        for (const who of staff) {
          await obs.start();
          const r = await obs.run(() => getMeeting(who.ctx, meeting.id));
          const tries = withoutSeq(r.audited).filter((a) => a.action === 'meeting.read');
          if (opens(who)) {
            expect(r.outcome.ok, 'the meeting opened by one it concerns').toBe(true);
            expect(tries.map((a) => [a.actor_practitioner_id, a.outcome])).toEqual([[who.id, 'success']]);
          } else {
            expect(r.outcome.ok, 'the meeting beyond reach').toBe(false);
            expect(r.outcome.ok ? undefined : r.outcome.problem).toEqual(missing.ok ? undefined : missing.problem);
            expect(tries.map((a) => [a.actor_practitioner_id, a.outcome])).toEqual([[who.id, 'denied']]);
          }
        }
      }),
      { numRuns: 8 },
    );
  });
});
