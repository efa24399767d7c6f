import { createHash } from 'node:crypto';
import type { Action } from '../process/engine.ts';

/**
 * Flags as a pure function of what was recorded: the episode's actions, a birth, a looked-after
 * period. The database rows are only a projection of these, so a flag can never say something the
 * process does not.
 */

export const FLAG_KINDS = ['child_protection_plan', 'looked_after', 'unborn_child_protection_plan'] as const;
export type FlagKind = (typeof FLAG_KINDS)[number];

/** The SNOMED CT plan types CP-IS uses (ValueSet England-ChildProtectionPlan). */
export const PLAN_TYPE: Record<FlagKind, { code: string; display: string }> = {
  child_protection_plan: { code: '342191000000101', display: 'Subject to child protection plan' },
  looked_after: { code: '764841000000100', display: 'Looked after child' },
  unborn_child_protection_plan: { code: '818901000000100', display: 'Unborn child subject to child protection plan' },
};

export interface Period {
  start: string;
  end: string | null;
}

/**
 * When the child was on a child protection plan, following the engine's own rule (engine.ts apply):
 * a conference deciding on a plan starts one unless one is running; a conference deciding against
 * a plan, or plan_ended, ends it at that action's moment.
 */
export function planPeriods(actions: readonly Pick<Action, 'seq' | 'at' | 'facts'>[]): Period[] {
  const out: Period[] = [];
  let open: Period | undefined;
  for (const a of [...actions].sort((x, y) => x.seq - y.seq)) {
    const f = a.facts;
    const starts = f.type === 'conference_held' && f.plan;
    const ends = (f.type === 'conference_held' && !f.plan) || f.type === 'plan_ended';
    if (starts && !open) {
      open = { start: a.at, end: null };
      out.push(open);
    } else if (ends && open) {
      open.end = a.at;
      open = undefined;
    }
  }
  return out;
}

export interface DerivedFlag {
  id: string;
  kind: FlagKind;
  personId: string;
  start: string;
  end: string | null;
}

/** A stable id: the same source, kind and start always give the same flag (a CareTeam id that does not change). */
export function flagId(source: string, kind: FlagKind, start: string): string {
  const h = createHash('sha256').update(`${source}|${kind}|${new Date(start).toISOString()}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const earlier = (a: string, b: string): string => (new Date(a) <= new Date(b) ? a : b);
const later = (a: string, b: string): string => (new Date(a) >= new Date(b) ? a : b);
const before = (a: string, b: string): boolean => new Date(a).getTime() < new Date(b).getTime();

/**
 * The flags an episode's plan periods give. For an unborn child the flag is the unborn child's
 * until birth; from the birth the plan's flag is on the child's own entry.
 */
export function episodeFlags(
  episodeId: string,
  periods: readonly Period[],
  subject: { personId: string; unborn: boolean },
  birth?: { childPersonId: string; bornAt: string },
): DerivedFlag[] {
  const out: DerivedFlag[] = [];
  for (const p of periods) {
    if (!subject.unborn) {
      out.push({ id: flagId(episodeId, 'child_protection_plan', p.start), kind: 'child_protection_plan', personId: subject.personId, start: p.start, end: p.end });
      continue;
    }
    if (!birth || before(p.start, birth.bornAt)) {
      const end = birth ? (p.end ? earlier(p.end, birth.bornAt) : birth.bornAt) : p.end;
      out.push({ id: flagId(episodeId, 'unborn_child_protection_plan', p.start), kind: 'unborn_child_protection_plan', personId: subject.personId, start: p.start, end });
    }
    if (birth && (p.end === null || before(birth.bornAt, p.end))) {
      const start = later(p.start, birth.bornAt);
      out.push({ id: flagId(episodeId, 'child_protection_plan', start), kind: 'child_protection_plan', personId: birth.childPersonId, start, end: p.end });
    }
  }
  return out;
}

/** Active at a moment: started, and not yet ended. */
export const isActive = (f: { start: string; end: string | null }, at: Date): boolean =>
  new Date(f.start).getTime() <= at.getTime() && (f.end === null || new Date(f.end).getTime() > at.getTime());
