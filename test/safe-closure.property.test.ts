import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openEpisode, recordEpisodeAction } from '../src/process/episodes.ts';
import { RecordAction } from '../src/process/schemas.ts';
import { addRecord } from '../src/records/records.ts';
import { fixedClock } from '../src/shared/clock.ts';
import type { ActorContext } from '../src/shared/context.ts';
import { Problem } from '../src/shared/errors.ts';
import { NewShareDecision } from '../src/sharing/schemas.ts';
import { makeDecision } from '../src/sharing/sharing.ts';
import { resetDb, useTestDb } from './db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from './fixtures.ts';

/**
 * Safe closure on every path, by property (issue 17, case example 8). Random sequences of what
 * happens around one child — the social worker's and the health visitor's home visits (seen or
 * no access), the health visitor's appointments (attended or not brought), the health visitor
 * sharing what she has recorded, episodes opened and ended by each path the process allows, with
 * or without a monitor named — run through the real services and database. A model written here,
 * independently of src/process/safe-closure.ts, says what the social worker can see at each end:
 * no episode ends with unresolved no-access visits or not-brought appointments unless a monitor is
 * named and every involved agency has a closure notice; an attempt without one is refused and
 * leaves the episode open.
 */

type Path = 'referral_nfa' | 'referral_advice' | 'referral_other_agency' | 'assessment_nfa' | 'close' | 'cin_closed' | 'plan_ended' | 'plan_ended_moved' | 'plan_review_no_cin';

type Command =
  | { kind: 'sw_visit'; seen: boolean }
  | { kind: 'hv_visit'; seen: boolean }
  | { kind: 'hv_appointment'; attended: boolean }
  | { kind: 'hv_share' }
  | { kind: 'open'; path: Path }
  | { kind: 'end'; monitor: boolean };

const PATHS: Path[] = ['referral_nfa', 'referral_advice', 'referral_other_agency', 'assessment_nfa', 'close', 'cin_closed', 'plan_ended', 'plan_ended_moved', 'plan_review_no_cin'];

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('sw_visit' as const), seen: fc.boolean() }),
  fc.record({ kind: fc.constant('hv_visit' as const), seen: fc.boolean() }),
  fc.record({ kind: fc.constant('hv_appointment' as const), attended: fc.boolean() }),
  fc.record({ kind: fc.constant('hv_share' as const) }),
  fc.record({ kind: fc.constant('open' as const), path: fc.constantFrom(...PATHS) }),
  fc.record({ kind: fc.constant('end' as const), monitor: fc.boolean() }),
);

/** One missed or kept contact as the model sees it. */
interface Contact { agency: 'csc' | 'hv'; missed: boolean; at: string; visibleToCsc: boolean; recordId: string }

/** Unresolved missed contacts the social worker can see: per agency, those after that agency last saw the child. */
function unresolved(contacts: readonly Contact[]): number {
  const visible = contacts.filter((c) => c.visibleToCsc);
  const lastSeen = new Map<string, string>();
  for (const c of visible) if (!c.missed && (lastSeen.get(c.agency) ?? '') < c.at) lastSeen.set(c.agency, c.at);
  return visible.filter((c) => c.missed && (lastSeen.get(c.agency) ?? '') <= c.at).length;
}

/** The actions that take a just-opened episode to where `path` ends it, and the ending action itself. */
function pathActions(path: Path, ids: { csc: string; sw: string }): { prelude: Record<string, unknown>[]; ending: Record<string, unknown> } {
  const assess = [{ type: 'referral_decided', outcome: 'assessment', reasons: 'Assess' }, { type: 'assessment_started', kind: 'single' }];
  const plan = [
    { type: 'referral_decided', outcome: 'strategy_discussion', reasons: 'Harm suspected' },
    { type: 'strategy_discussion_held', s47: true, participants: [{ agencyId: ids.csc }], policeInvestigation: false, immediateSafety: 'Seen daily', familyToBeTold: 'Today' },
    { type: 's47_concluded', outcome: 'continuing_risk', summary: 'Continuing risk' },
    { type: 'conference_held', kind: 'initial', plan: true, invitedAgencyIds: [ids.csc], parentsParticipation: 'Attended',
      planDetails: { category: 'neglect', leadAgencyId: ids.csc, keyWorkerId: ids.sw, coreGroup: [ids.sw], outlinePlan: 'Visits', contingencyPlan: 'Legal planning' } },
  ];
  switch (path) {
    case 'referral_nfa': return { prelude: [], ending: { type: 'referral_decided', outcome: 'no_further_action', reasons: 'No concerns' } };
    case 'referral_advice': return { prelude: [], ending: { type: 'referral_decided', outcome: 'advice', reasons: 'Advice given' } };
    case 'referral_other_agency': return { prelude: [], ending: { type: 'referral_decided', outcome: 'other_agency', reasons: 'Early help' } };
    case 'assessment_nfa': return { prelude: assess, ending: { type: 'assessment_completed', kind: 'single', outcome: 'no_further_action', summary: 'No further action' } };
    case 'close': return { prelude: assess, ending: { type: 'case_closed', reasons: 'Closed' } };
    case 'cin_closed': return { prelude: [...assess, { type: 'assessment_completed', kind: 'single', outcome: 'child_in_need_plan', summary: 'Needs support' }], ending: { type: 'case_closed', reasons: 'Plan complete' } };
    case 'plan_ended': return { prelude: plan, ending: { type: 'plan_ended', reason: 'eighteenth_birthday' } };
    case 'plan_ended_moved': return { prelude: plan, ending: { type: 'plan_ended', reason: 'moved_authority' } };
    case 'plan_review_no_cin': return { prelude: plan, ending: { type: 'plan_ended', reason: 'review_decision', childInNeedPlan: false } };
  }
}

describe('safe closure on every path, by property', () => {
  const t = useTestDb();

  it('no episode ends with unresolved no-access visits or not-brought appointments unless a monitor is named and every involved agency is sent a notice', async () => {
    await fc.assert(
      // Every sequence ends by opening an episode for some path and ending it, without and then with a monitor.
      fc.asyncProperty(fc.array(commandArb, { minLength: 3, maxLength: 10 }), fc.constantFrom(...PATHS), async (random, lastPath) => {
        const commands: Command[] = [...random, { kind: 'open', path: lastPath }, { kind: 'end', monitor: false }, { kind: 'end', monitor: true }];
        const db = t.db();
        await resetDb(db);
        const clock = fixedClock('2027-01-04T09:00:00Z');
        const s = services(db, clock);
        const p = await partnershipWith(s);
        const csc = await agency(s, p, 'childrens_social_care', "Children's Social Care");
        const hv = await agency(s, p, 'health_visiting', 'Health visiting');
        const sw = await practitioner(s, csc, ['social_worker', 'manager'], 'Social worker');
        const healthVisitor = await practitioner(s, hv, ['practitioner'], 'Health visitor');
        await practitioner(s, hv, ['safeguarding_lead'], 'Named nurse');
        const child = await person(sw, { names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2026-12-01' });
        const hvChild = await person(healthVisitor, { names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2026-12-01' });
        await db.query('INSERT INTO person_link (id, person_id, other_person_id, decided_by, decided_at, reason) VALUES ($1,$2,$3,$4,$5,$6)',
          [randomUUID(), child.id, hvChild.id, sw.actor.practitionerId, clock.now().toISOString(), 'Same child']);

        const contacts: Contact[] = [];
        let open: { id: string; ending: Record<string, unknown> } | undefined;
        let n = 0;
        const tick = (): string => {
          n += 1;
          clock.set(new Date(Date.parse('2027-01-04T09:00:00Z') + n * 86_400_000).toISOString());
          return new Date(clock.now().getTime() - 60_000).toISOString();
        };
        const act = (ctx: ActorContext, id: string, action: Record<string, unknown>) =>
          recordEpisodeAction(ctx, id, RecordAction.parse({ idempotencyKey: `k${n}-${String(action.type)}`, occurredAt: tick(), action }));

        for (const c of commands) {
          switch (c.kind) {
            case 'sw_visit':
            case 'hv_visit':
            case 'hv_appointment': {
              const at = tick();
              const byHv = c.kind !== 'sw_visit';
              const missed = c.kind === 'hv_appointment' ? !c.attended : !c.seen;
              const record = c.kind === 'hv_appointment'
                ? concern({ kind: 'appointment', outcome: c.attended ? 'attended' : 'not_brought', occurredAt: at, summary: 'Clinic appointment' })
                : concern({ kind: 'home_visit', outcome: c.seen ? 'seen' : 'no_access', occurredAt: at, summary: 'Home visit' });
              const r = await addRecord(byHv ? healthVisitor : sw, byHv ? hvChild.id : child.id, record);
              contacts.push({ agency: byHv ? 'hv' : 'csc', missed, at, visibleToCsc: !byHv, recordId: r.id });
              break;
            }
            case 'hv_share': {
              const toShare = contacts.filter((x) => x.agency === 'hv' && !x.visibleToCsc);
              if (toShare.length === 0) break;
              tick();
              await makeDecision(healthVisitor, NewShareDecision.parse({
                personId: hvChild.id, outcome: 'share', reasons: 'Visits and appointments',
                answers: { purposeCode: 'child_protection_enquiry', purpose: 'Assessment', withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 2004 s11' },
                share: { recipients: [{ agencyId: csc }], items: toShare.map((x) => ({ recordId: x.recordId, parts: ['summary'] })) },
                subjectInformed: { informed: false, reason: 'Enquiries under way' },
              }));
              for (const x of toShare) x.visibleToCsc = true;
              break;
            }
            case 'open': {
              if (open) break;
              const e = await openEpisode(sw, { idempotencyKey: `open-${n}`, childPersonId: child.id, receivedAt: tick(), channel: 'written' });
              const { prelude, ending } = pathActions(c.path, { csc, sw: sw.actor.practitionerId });
              for (const a of prelude) await act(sw, e.id, a);
              open = { id: e.id, ending };
              break;
            }
            case 'end': {
              if (!open) break;
              const expectedCount = unresolved(contacts);
              const monitor = c.monitor ? { monitoringAgencyId: hv, monitoringPractitionerId: healthVisitor.actor.practitionerId, arrangement: { checks: 'See the child', everyDays: 14, endsOn: '2028-01-01' } } : {};
              const outcome = await act(sw, open.id, { ...open.ending, ...monitor }).then((v) => v, (err: unknown) => err);
              const episode = (await db.query<{ closed_at: string | null }>('SELECT closed_at FROM episode WHERE id = $1', [open.id])).rows[0]!;
              const arrangements = (await db.query<{ id: string }>('SELECT id FROM monitoring_arrangement WHERE episode_id = $1', [open.id])).rows;
              const notices = (await db.query<{ agency_id: string; arrangement_id: string; no_access_visits: number }>('SELECT agency_id, arrangement_id, no_access_visits FROM closure_notice WHERE episode_id = $1', [open.id])).rows;
              const label = `${String(open.ending.type)} with ${expectedCount} unresolved, monitor ${c.monitor}`;
              if (expectedCount > 0 && !c.monitor) {
                // Refused, naming the field; nothing written; the episode is still open.
                expect(outcome, label).toBeInstanceOf(Problem);
                expect((outcome as Problem).status).toBe(422);
                expect((outcome as Problem).errors.map((x) => x.pointer)).toEqual(['/action/monitoringAgencyId']);
                expect(episode.closed_at, label).toBeNull();
                expect([arrangements.length, notices.length]).toEqual([0, 0]);
              } else {
                expect(outcome, label).not.toBeInstanceOf(Error);
                expect(episode.closed_at, label).not.toBeNull();
                if (c.monitor) {
                  // A monitor named: the arrangement, and a notice to the health visiting service (the linked agency and the monitor).
                  expect(arrangements, label).toHaveLength(1);
                  expect(notices.map((x) => [x.agency_id, x.arrangement_id]), label).toEqual([[hv, arrangements[0]!.id]]);
                } else {
                  expect([arrangements.length, notices.length], label).toEqual([0, 0]);
                }
                open = undefined;
              }
              break;
            }
          }
        }

      }),
      { numRuns: 20 },
    );
  }, 600_000);
});
