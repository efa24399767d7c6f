import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../src/access/policy.ts';
import { verifyAuditChain } from '../src/audit/verify-chain.ts';
import { getConsent, listConsents, recordConsent, withdrawConsent } from '../src/consent/consent.ts';
import { NewConsent } from '../src/consent/schemas.ts';
import type { Database } from '../src/db/database.ts';
import { addRecord, getRecord, listPersonRecords } from '../src/records/records.ts';
import { fixedClock } from '../src/shared/clock.ts';
import type { ActorContext } from '../src/shared/context.ts';
import { Problem } from '../src/shared/errors.ts';
import { NewShareDecision } from '../src/sharing/schemas.ts';
import { makeDecision, revokeDecision } from '../src/sharing/sharing.ts';
import { resetDb, useTestDb } from './db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from './fixtures.ts';

/**
 * Random partnerships with random share decisions, built through the real services and database.
 * Then every practitioner tries every record: they must see exactly what a model of the rules,
 * written here and independently of src/access/policy.ts, says they may — their own agency's
 * records within their reach, and other agencies' records that a live, unrevoked, unexpired
 * share covers.
 */

// ---- What to build. ----

type Basis = 'statutory' | 'consent' | 'not_shared';
type Until = 'open' | 'lapses' | 'lasts';

interface ShareSpec {
  record: number;
  recipients: { agency: number; named: number | null }[];
  basis: Basis;
  until: Until;
  revoked: boolean;
  consentWithdrawn: boolean;
}

interface WorldSpec {
  agencies: number;
  staff: { agency: number; roles: Role[] }[];
  people: { agency: number }[];
  records: { person: number; author: number; restricted: boolean; named: number[] }[];
  shares: ShareSpec[];
  /** Practitioners, of any agency and role, trying to withdraw consents (by index, wrapped). */
  withdrawals: { staff: number; consent: number }[];
}

const shareArb: fc.Arbitrary<ShareSpec> = fc.record({
  record: fc.nat(),
  recipients: fc.array(fc.record({ agency: fc.nat(), named: fc.option(fc.nat(), { nil: null }) }), { minLength: 1, maxLength: 2 }),
  basis: fc.constantFrom<Basis>('statutory', 'consent', 'not_shared'),
  until: fc.constantFrom<Until>('open', 'lapses', 'lasts'),
  revoked: fc.boolean(),
  consentWithdrawn: fc.boolean(),
});

const worldArb: fc.Arbitrary<WorldSpec> = fc
  .record({
    agencies: fc.integer({ min: 2, max: 4 }),
    staff: fc.array(fc.record({ agency: fc.nat(), roles: fc.subarray([...ROLES], { minLength: 1, maxLength: 3 }) }), { minLength: 1, maxLength: 5 }),
    people: fc.array(fc.record({ agency: fc.nat() }), { minLength: 1, maxLength: 3 }),
    records: fc.array(fc.record({ person: fc.nat(), author: fc.nat(), restricted: fc.boolean(), named: fc.subarray([0, 1, 2, 3, 4]) }), { minLength: 1, maxLength: 4 }),
    shares: fc.array(shareArb, { minLength: 0, maxLength: 5 }),
    withdrawals: fc.array(fc.record({ staff: fc.nat(), consent: fc.nat() }), { maxLength: 8 }),
  })
  .map((w) => ({
    ...w,
    staff: w.staff.map((p) => ({ ...p, agency: p.agency % w.agencies })),
    people: w.people.map((p) => ({ agency: p.agency % w.agencies })),
  }));

// Decisions are made at T0; revocations and withdrawals an hour later; everyone looks at T1.
const T0 = '2026-03-02T09:00:00.000Z';
const REVOKED_AT = '2026-03-02T10:00:00.000Z';
const T1 = '2026-03-04T09:00:00.000Z';
const VALID_UNTIL: Record<Until, string | undefined> = { open: undefined, lapses: '2026-03-03T09:00:00.000Z', lasts: '2026-03-10T09:00:00.000Z' };

// ---- The world as built, and the model of who may read what. ----

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
  author: Staff;
  named: string[];
}

interface Grant {
  recordId: string;
  consentId: string | undefined;
  personId: string;
  agencyId: string;
  practitionerId: string | undefined;
  validUntil: string | undefined;
  revoked: boolean;
}

const CASEWORK: readonly Role[] = ['practitioner', 'safeguarding_lead', 'manager', 'social_worker', 'caldicott_guardian'];
const doesCasework = (s: Staff): boolean => s.roles.some((r) => CASEWORK.includes(r));
const liveAt = (g: Grant, at: string): boolean => !g.revoked && (g.validUntil === undefined || new Date(g.validUntil) > new Date(at));
const namesThem = (g: Grant, s: Staff): boolean => (g.practitionerId !== undefined ? g.practitionerId === s.id : g.agencyId === s.agencyId);

const ownAgencyMayRead = (s: Staff, r: Rec): boolean =>
  s.agencyId === r.agencyId && doesCasework(s) && (!r.restricted || r.author.id === s.id || r.named.includes(s.id) || s.roles.includes('safeguarding_lead'));
const sharedWith = (s: Staff, r: Rec, grants: readonly Grant[], at: string): boolean =>
  doesCasework(s) && grants.some((g) => g.recordId === r.id && liveAt(g, at) && namesThem(g, s));
const mayRead = (s: Staff, r: Rec, grants: readonly Grant[], at: string): boolean => ownAgencyMayRead(s, r) || sharedWith(s, r, grants, at);
const mayOpenPerson = (s: Staff, p: { id: string; agencyId: string }, grants: readonly Grant[], at: string): boolean =>
  doesCasework(s) && (s.agencyId === p.agencyId || grants.some((g) => g.personId === p.id && liveAt(g, at) && namesThem(g, s)));

// ---- Building it through the services. ----

async function build(db: Database, spec: WorldSpec) {
  const clock = fixedClock(T0);
  const s = services(db, clock);
  const p = await partnershipWith(s);
  const agencyIds: string[] = [];
  const founders: Staff[] = [];
  for (let i = 0; i < spec.agencies; i++) {
    const id = await agency(s, p, (['school', 'health_visiting', 'police', 'childrens_social_care'] as const)[i]!);
    agencyIds.push(id);
    // Every agency has an ordinary practitioner, so there is always someone to record things.
    const ctx = await practitioner(s, id, ['practitioner']);
    founders.push({ ctx, id: ctx.actor.practitionerId, agencyId: id, roles: ctx.actor.roles });
  }
  const random: Staff[] = [];
  for (const st of spec.staff) {
    const ctx = await practitioner(s, agencyIds[st.agency]!, st.roles);
    random.push({ ctx, id: ctx.actor.practitionerId, agencyId: ctx.actor.agencyId, roles: st.roles });
  }
  const staff = [...founders, ...random];

  // Adults, so that each can consent for themself.
  const people: { id: string; agencyId: string }[] = [];
  for (const pp of spec.people) {
    const owner = founders[pp.agency]!;
    const made = await person(owner.ctx, { kind: 'adult', names: [{ givenNames: 'Sam', familyName: `Adult ${people.length}` }], dateOfBirth: '1990-01-01' });
    people.push({ id: made.id, agencyId: owner.agencyId });
  }

  const records: Rec[] = [];
  for (const r of spec.records) {
    const subject = people[r.person % people.length]!;
    const authors = staff.filter((x) => x.agencyId === subject.agencyId && doesCasework(x));
    const author = authors[r.author % authors.length]!;
    const named = [...new Set(r.named.flatMap((i) => (random[i]?.agencyId === subject.agencyId ? [random[i].id] : [])))];
    const rec = await addRecord(author.ctx, subject.id, concern({ restricted: r.restricted, namedPractitionerIds: named }));
    records.push({ id: rec.id, personId: subject.id, agencyId: subject.agencyId, restricted: r.restricted, author, named });
  }

  // The share decisions, each made by the record's author (who can always read it).
  const grants: Grant[] = [];
  const consents: RegisteredConsent[] = [];
  const later: (() => Promise<unknown>)[] = [];
  for (const sh of spec.shares) {
    const rec = records[sh.record % records.length]!;
    const recipients = dedupe(sh.recipients.map((x) => {
      let a = x.agency % spec.agencies;
      if (agencyIds[a] === rec.agencyId) a = (a + 1) % spec.agencies;
      const agencyId = agencyIds[a]!;
      const inAgency = staff.filter((m) => m.agencyId === agencyId);
      return { agencyId, practitionerId: x.named === null ? undefined : inAgency[x.named % inAgency.length]!.id };
    }));
    const validUntil = VALID_UNTIL[sh.until];
    let consentId: string | undefined;
    if (sh.basis === 'consent') {
      consentId = (await recordConsent(rec.author.ctx, rec.personId, NewConsent.parse({
        purposeCode: 'welfare_monitoring', purpose: 'Keep the other agencies informed', decision: 'given', form: 'explicit_verbal',
        recipientAgencyIds: [...new Set(recipients.map((x) => x.agencyId))], givenBy: { capacity: 'self' }, obtainedAt: '2026-03-02T08:00:00Z',
      }))).id;
      consents.push({ id: consentId, agencyId: rec.agencyId, personId: rec.personId, withdrawn: sh.consentWithdrawn && !sh.revoked });
    }
    const decision = await makeDecision(rec.author.ctx, NewShareDecision.parse({
      personId: rec.personId,
      outcome: sh.basis === 'not_shared' ? 'do_not_share' : 'share',
      answers: sh.basis === 'statutory'
        ? { purposeCode: 'welfare_monitoring', purpose: 'A statutory duty', withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 2004 s11' }
        : { purposeCode: 'welfare_monitoring', purpose: 'Keep the other agencies informed', withinAgencyFunctions: true, legalObligation: 'none', identifiable: true,
            confidential: sh.basis === 'consent', ...(consentId ? { consent: { status: 'given', consentId } } : {}) },
      reasons: 'Generated',
      // A decision not to share carries the same specification, and must grant nothing.
      share: { recipients, items: [{ recordId: rec.id }], validUntil, onwardSharing: 'not_permitted' },
      subjectInformed: { informed: false, reason: 'Generated' },
    }));
    const revoked = sh.basis !== 'not_shared' && (sh.revoked || (sh.basis === 'consent' && sh.consentWithdrawn));
    if (sh.basis !== 'not_shared') {
      for (const r of recipients) grants.push({ recordId: rec.id, consentId, personId: rec.personId, agencyId: r.agencyId, practitionerId: r.practitionerId, validUntil, revoked });
    }
    if (sh.basis !== 'not_shared' && sh.revoked) later.push(() => revokeDecision(rec.author.ctx, decision.id, 'Generated'));
    else if (consentId && sh.consentWithdrawn) later.push(() => withdrawConsent(rec.author.ctx, consentId, { reason: 'Generated' }));
  }
  clock.set(REVOKED_AT);
  for (const step of later) await step();
  clock.set(T1);
  return { staff, people, records, grants, consents };
}

interface RegisteredConsent {
  id: string;
  agencyId: string;
  personId: string;
  withdrawn: boolean;
}

/** The consent register is the recording agency's casework: no share grant reaches it. */
const mayUseConsent = (s: Staff, c: RegisteredConsent): boolean => s.agencyId === c.agencyId && doesCasework(s);

/** The grants that give access now, as the database holds them. */
async function liveGrants(db: Database): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM share_grant WHERE revoked_at IS NULL ORDER BY id');
  return rows.map((r) => r.id);
}

async function grantsRelyingOn(db: Database, consentId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT g.id FROM share_grant g JOIN share_decision d ON d.id = g.decision_id WHERE d.consent_id = $1 ORDER BY g.id', [consentId]);
  return rows.map((r) => r.id);
}

function dedupe<T extends { agencyId: string; practitionerId: string | undefined }>(xs: T[]): T[] {
  return xs.filter((x, i) => xs.findIndex((y) => y.agencyId === x.agencyId && y.practitionerId === x.practitionerId) === i);
}

async function opens<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof Problem && e.status === 404) return undefined;
    throw e;
  }
}

describe('record access after share decisions, by property', () => {
  const t = useTestDb();

  it('a practitioner sees a record if and only if it is their agency’s and within their reach, or a live, unrevoked, unexpired share covers it — whatever the case the id is typed in', async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, fc.boolean(), async (spec, upperCase) => {
        const db = t.db();
        await resetDb(db);
        const world = await build(db, spec);
        // An id typed in upper case (E01B71CE-…) names the same record and must give the same answer.
        const typed = (id: string): string => (upperCase ? id.toUpperCase() : id);

        for (const who of world.staff) {
          for (const rec of world.records) {
            const expected = mayRead(who, rec, world.grants, T1);
            const seen = await opens(() => getRecord(who.ctx, typed(rec.id)));
            expect(seen !== undefined, `${who.roles.join('+')} reading a ${rec.restricted ? 'restricted ' : ''}record (${expected ? 'may' : 'may not'})`).toBe(expected);
            if (seen) expect(seen.share === null).toBe(rec.agencyId === who.agencyId);
          }
          // Each person's chronology lists exactly the records the model allows; a person out of reach does not exist.
          for (const subject of world.people) {
            const listed = await opens(() => listPersonRecords(who.ctx, typed(subject.id)));
            expect(listed !== undefined).toBe(mayOpenPerson(who, subject, world.grants, T1));
            if (listed) {
              const expected = world.records.filter((r) => r.personId === subject.id && mayRead(who, r, world.grants, T1)).map((r) => r.id).sort();
              expect(listed.map((r) => r.id).sort()).toEqual(expected);
            }
          }
        }
        // Every read was audited under the canonical id, so the trail still verifies (issue 16, defect 3).
        const trail = await verifyAuditChain(db);
        expect(trail.problems).toEqual([]);
      }),
      { numRuns: 15 },
    );
  });

  it('only the recording agency’s casework staff read, list or withdraw a consent; a refused withdrawal changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, fc.boolean(), async (spec, upperCase) => {
        const db = t.db();
        await resetDb(db);
        const world = await build(db, spec);
        const typed = (id: string): string => (upperCase ? id.toUpperCase() : id);

        for (const who of world.staff) {
          for (const c of world.consents) {
            const seen = await opens(() => getConsent(who.ctx, typed(c.id)));
            expect(seen !== undefined, `${who.roles.join('+')} reading a consent (${mayUseConsent(who, c) ? 'may' : 'may not'})`).toBe(mayUseConsent(who, c));
          }
          // A person's register lists only the caller's own agency's consents, whoever else can open the person.
          for (const subject of world.people) {
            const listed = await opens(() => listConsents(who.ctx, subject.id));
            expect(listed !== undefined).toBe(mayOpenPerson(who, subject, world.grants, T1));
            if (listed) {
              const expected = world.consents.filter((c) => c.personId === subject.id && mayUseConsent(who, c)).map((c) => c.id).sort();
              expect(listed.map((c) => c.id).sort()).toEqual(expected);
            }
          }
        }

        if (world.consents.length === 0) return;
        for (const attempt of spec.withdrawals) {
          const who = world.staff[attempt.staff % world.staff.length]!;
          const c = world.consents[attempt.consent % world.consents.length]!;
          const before = await liveGrants(db);
          const outcome = await withdrawConsent(who.ctx, typed(c.id), { reason: 'Generated' }).then(() => 200, (e: unknown) => {
            if (e instanceof Problem) return e.status;
            throw e;
          });
          const after = await liveGrants(db);
          if (!mayUseConsent(who, c)) {
            // Refused exactly like a consent that does not exist, and no share has ended.
            expect(outcome, `${who.roles.join('+')} withdrawing another's consent`).toBe(404);
            expect(after).toEqual(before);
          } else if (c.withdrawn) {
            expect(outcome).toBe(409);
            expect(after).toEqual(before);
          } else {
            expect(outcome).toBe(200);
            c.withdrawn = true;
            const ended = new Set(await grantsRelyingOn(db, c.id));
            expect(after).toEqual(before.filter((id) => !ended.has(id)));
          }
        }
      }),
      { numRuns: 10 },
    );
  });
});
