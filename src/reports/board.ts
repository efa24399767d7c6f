import { toCsv, type Cell } from '../shared/csv.ts';
import { z } from 'zod';
import type { Actor, Role } from '../access/policy.ts';
import { audit, command, refuse } from '../audit/audit.ts';
import { londonDate } from '../calendar/working-days.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { CalendarDate, Uuid } from '../shared/schemas.ts';
import { LEGAL_BASES, type LegalBasis } from '../sharing/schemas.ts';

/**
 * Board reporting: what a safeguarding partnership board asks about information sharing across
 * its agencies over a period — counts and durations only, never a person, a record or a name
 * other than an agency's.
 *
 * What falls in the period (from/to inclusive, London calendar days):
 * - decisions (and their consent overrides and urgent completion) by when they were decided;
 * - advice requests by when advice was asked; information requests by when they were sent;
 * - revocations by when the share was revoked.
 * What has happened to them since (answered, completed, overdue) is as at the time of the report.
 * Each figure belongs to the agency that decided, asked or sent; only the partnership's agencies count.
 */

export const SharingReportQuery = z
  .strictObject({
    partnershipId: Uuid,
    from: CalendarDate.meta({ description: 'First day of the period (London), inclusive.' }),
    to: CalendarDate.meta({ description: 'Last day of the period (London), inclusive.' }),
  })
  // Compared only when both are real dates: a bad date is reported once, on its own field.
  .refine((q) => !(CalendarDate.safeParse(q.from).success && CalendarDate.safeParse(q.to).success) || q.from <= q.to, {
    path: ['from'], message: 'The period must start on or before its last day (to)',
  });
export type SharingReportQuery = z.output<typeof SharingReportQuery>;

const Count = z.number().int().min(0);
const Hours = z.number().nullable().meta({ description: 'Hours, to one decimal place; null when nothing was answered.' });

export const BoardFigures = z
  .object({
    decisions: z.object({
      total: Count,
      byOutcome: z.object({ share: Count, do_not_share: Count, seek_advice: Count }),
      byLegalBasis: z.object(Object.fromEntries(LEGAL_BASES.map((b) => [b, Count])) as Record<LegalBasis, typeof Count>),
    }),
    consentRefusalsOverridden: Count.meta({ description: 'Decisions to share although consent was refused: overridden in the public interest (3.38–3.43).' }),
    advice: z.object({ asked: Count, answered: Count, unanswered: Count, medianHoursToAnswer: Hours, longestHoursToAnswer: Hours }),
    urgent: z.object({
      total: Count,
      completedOnTime: Count,
      completedLate: Count,
      incompleteOverdue: Count.meta({ description: 'Not completed, and the day it was due has passed.' }),
      incompleteWithinTime: Count,
    }),
    informationRequests: z.object({
      sent: Count,
      answered: z.object({ total: Count, shared: Count, refused: Count, notKnown: Count }),
      unanswered: Count,
      medianHoursToAnswer: Hours,
    }),
    revocations: z.object({ total: Count, consentWithdrawn: Count }),
  })
  .meta({ id: 'SharingBoardFigures' });
export type BoardFigures = z.infer<typeof BoardFigures>;

export const SharingBoardReport = z
  .object({
    partnershipId: Uuid,
    partnershipName: z.string(),
    from: z.string(),
    to: z.string(),
    asAt: z.string().meta({ description: 'When the report was produced: answered, completed and overdue are as at this moment.' }),
    total: BoardFigures,
    agencies: z.array(z.object({ agencyId: Uuid, agencyName: z.string(), agencyType: z.string(), figures: BoardFigures })),
  })
  .meta({ id: 'SharingBoardReport', description: 'Information sharing across a partnership over a period, aggregated: no personal data.' });
export type SharingBoardReport = z.infer<typeof SharingBoardReport>;

/** Roles that answer to the board for their agency: they see the partnership's figures. */
export const BOARD_REPORT_ROLES: readonly Role[] = ['manager', 'auditor', 'safeguarding_lead'];

/** A manager, auditor or safeguarding lead in one of the partnership's agencies; nobody else. */
export function mayReadBoardReport(actor: Actor, partnershipAgencyIds: readonly string[]): boolean {
  return partnershipAgencyIds.includes(actor.agencyId) && actor.roles.some((r) => BOARD_REPORT_ROLES.includes(r));
}

/** The middle value (mean of the middle two for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const roundHours = (h: number | null): number | null => (h === null ? null : Math.round(h * 10) / 10);
const hoursBetween = (from: string, to: string): number => (new Date(to).getTime() - new Date(from).getTime()) / 3_600_000;

/** Figures still being added up: durations are kept until the medians are taken. */
interface Tally {
  figures: BoardFigures;
  adviceHours: number[];
  requestHours: number[];
}

function emptyTally(): Tally {
  return {
    figures: {
      decisions: {
        total: 0,
        byOutcome: { share: 0, do_not_share: 0, seek_advice: 0 },
        byLegalBasis: Object.fromEntries(LEGAL_BASES.map((b) => [b, 0])) as Record<LegalBasis, number>,
      },
      consentRefusalsOverridden: 0,
      advice: { asked: 0, answered: 0, unanswered: 0, medianHoursToAnswer: null, longestHoursToAnswer: null },
      urgent: { total: 0, completedOnTime: 0, completedLate: 0, incompleteOverdue: 0, incompleteWithinTime: 0 },
      informationRequests: { sent: 0, answered: { total: 0, shared: 0, refused: 0, notKnown: 0 }, unanswered: 0, medianHoursToAnswer: null },
      revocations: { total: 0, consentWithdrawn: 0 },
    },
    adviceHours: [],
    requestHours: [],
  };
}

function finish(t: Tally): BoardFigures {
  return {
    ...t.figures,
    advice: {
      ...t.figures.advice,
      medianHoursToAnswer: roundHours(median(t.adviceHours)),
      longestHoursToAnswer: roundHours(t.adviceHours.length ? Math.max(...t.adviceHours) : null),
    },
    informationRequests: { ...t.figures.informationRequests, medianHoursToAnswer: roundHours(median(t.requestHours)) },
  };
}

type UrgentState = 'on_time' | 'late' | 'overdue' | 'within_time';

interface DecisionGroup {
  agency_id: string;
  outcome: keyof BoardFigures['decisions']['byOutcome'];
  legal_basis: LegalBasis;
  overridden: boolean;
  urgent_state: UrgentState | null;
  n: number;
}

const REPORT_ACTION = 'report.sharing';

/**
 * The board's figures for a partnership and period. Anyone but a manager, auditor or
 * safeguarding lead of one of its agencies is told, as for an unknown partnership, that there
 * is none; the refusal and every successful read are audited against the partnership.
 */
export async function sharingBoardReport(ctx: ActorContext, q: SharingReportQuery, format: 'json' | 'csv' = 'json'): Promise<SharingBoardReport> {
  return command(ctx, async (tx) => {
    const partnership = (await tx.query<{ id: string; name: string }>('SELECT id, name FROM partnership WHERE id = $1', [q.partnershipId])).rows[0];
    if (!partnership) throw refuse('partnership', { action: REPORT_ACTION, entityType: 'partnership', entityId: q.partnershipId, outcome: 'not_found' });
    const agencies = (await tx.query<{ id: string; name: string; type: string }>(
      `SELECT a.id, a.name, a.type FROM partnership_agency pa JOIN agency a ON a.id = pa.agency_id
        WHERE pa.partnership_id = $1 ORDER BY a.name, a.id`, [q.partnershipId])).rows;
    if (!mayReadBoardReport(ctx.actor, agencies.map((a) => a.id))) {
      throw refuse('partnership', { action: REPORT_ACTION, entityType: 'partnership', entityId: q.partnershipId });
    }
    const now = ctx.clock.now();
    const tallies = await tally(tx, q, londonDate(now), agencies.map((a) => a.id));
    await audit(ctx, tx, { action: REPORT_ACTION, outcome: 'success', entityType: 'partnership', entityId: q.partnershipId, detail: { from: q.from, to: q.to, format } });
    return {
      partnershipId: partnership.id,
      partnershipName: partnership.name,
      from: q.from,
      to: q.to,
      asAt: now.toISOString(),
      total: finish(tallies.total),
      agencies: agencies.map((a) => ({ agencyId: a.id, agencyName: a.name, agencyType: a.type, figures: finish(tallies.byAgency.get(a.id)!) })),
    };
  });
}

/** Reads the period's decisions, advice, requests and revocations and adds them up per agency and in total. */
async function tally(tx: Tx, q: SharingReportQuery, today: string, agencyIds: readonly string[]): Promise<{ total: Tally; byAgency: Map<string, Tally> }> {
  const total = emptyTally();
  const byAgency = new Map(agencyIds.map((id) => [id, emptyTally()]));
  const each = (agencyId: string, add: (t: Tally) => void): void => {
    const a = byAgency.get(agencyId);
    if (a) add(a);
    add(total);
  };
  // The period as instants: London midnight at its start to London midnight after its last day.
  const period = (await tx.query<{ starts: string; ends: string }>(
    `SELECT ($1::date::timestamp AT TIME ZONE 'Europe/London') AS starts, (($2::date + 1)::timestamp AT TIME ZONE 'Europe/London') AS ends`, [q.from, q.to])).rows[0]!;
  const args = [q.partnershipId, period.starts, period.ends];

  const decisions = await tx.query<DecisionGroup>(
    `SELECT d.agency_id, d.outcome, d.legal_basis,
            (d.outcome = 'share' AND d.answers->'consent'->>'status' = 'refused') AS overridden,
            CASE WHEN NOT d.urgent THEN NULL
                 WHEN d.completed_at IS NOT NULL THEN
                   CASE WHEN (d.completed_at AT TIME ZONE 'Europe/London')::date <= d.complete_by THEN 'on_time' ELSE 'late' END
                 WHEN $4::date > d.complete_by THEN 'overdue'
                 ELSE 'within_time' END AS urgent_state,
            count(*)::int AS n
       FROM share_decision d JOIN partnership_agency pa ON pa.agency_id = d.agency_id AND pa.partnership_id = $1
      WHERE d.decided_at >= $2 AND d.decided_at < $3
      GROUP BY 1, 2, 3, 4, 5`, [...args, today]);
  for (const g of decisions.rows) {
    each(g.agency_id, ({ figures: f }) => {
      f.decisions.total += g.n;
      f.decisions.byOutcome[g.outcome] += g.n;
      if (g.legal_basis in f.decisions.byLegalBasis) f.decisions.byLegalBasis[g.legal_basis] += g.n;
      if (g.overridden) f.consentRefusalsOverridden += g.n;
      if (g.urgent_state) {
        f.urgent.total += g.n;
        if (g.urgent_state === 'on_time') f.urgent.completedOnTime += g.n;
        else if (g.urgent_state === 'late') f.urgent.completedLate += g.n;
        else if (g.urgent_state === 'overdue') f.urgent.incompleteOverdue += g.n;
        else f.urgent.incompleteWithinTime += g.n;
      }
    });
  }

  const advice = await tx.query<{ agency_id: string; asked_at: string; advised_at: string | null }>(
    `SELECT a.agency_id, a.asked_at, a.advised_at
       FROM advice_request a JOIN partnership_agency pa ON pa.agency_id = a.agency_id AND pa.partnership_id = $1
      WHERE a.asked_at >= $2 AND a.asked_at < $3`, args);
  for (const r of advice.rows) {
    each(r.agency_id, (t) => {
      t.figures.advice.asked += 1;
      if (r.advised_at) {
        t.figures.advice.answered += 1;
        t.adviceHours.push(hoursBetween(r.asked_at, r.advised_at));
      } else t.figures.advice.unanswered += 1;
    });
  }

  const requests = await tx.query<{ from_agency_id: string; status: 'open' | 'shared' | 'refused' | 'not_known'; requested_at: string; answered_at: string | null }>(
    `SELECT r.from_agency_id, r.status, r.requested_at, r.answered_at
       FROM information_request r JOIN partnership_agency pa ON pa.agency_id = r.from_agency_id AND pa.partnership_id = $1
      WHERE r.requested_at >= $2 AND r.requested_at < $3`, args);
  for (const r of requests.rows) {
    each(r.from_agency_id, (t) => {
      const f = t.figures.informationRequests;
      f.sent += 1;
      if (r.status === 'open') {
        f.unanswered += 1;
        return;
      }
      f.answered.total += 1;
      if (r.status === 'shared') f.answered.shared += 1;
      else if (r.status === 'refused') f.answered.refused += 1;
      else f.answered.notKnown += 1;
      if (r.answered_at) t.requestHours.push(hoursBetween(r.requested_at, r.answered_at));
    });
  }

  const revoked = await tx.query<{ agency_id: string; consent_withdrawn: boolean; n: number }>(
    `SELECT d.agency_id, (d.revocation_reason = 'Consent withdrawn') AS consent_withdrawn, count(*)::int AS n
       FROM share_decision d JOIN partnership_agency pa ON pa.agency_id = d.agency_id AND pa.partnership_id = $1
      WHERE d.revoked_at >= $2 AND d.revoked_at < $3
      GROUP BY 1, 2`, args);
  for (const g of revoked.rows) {
    each(g.agency_id, ({ figures: f }) => {
      f.revocations.total += g.n;
      if (g.consent_withdrawn) f.revocations.consentWithdrawn += g.n;
    });
  }
  return { total, byAgency };
}

const BASIS_LABELS: Record<LegalBasis, string> = {
  statutory_duty: 'Statutory duty',
  court_order: 'Court order',
  anonymised: 'Anonymised',
  not_confidential: 'Not confidential',
  consent: 'Consent',
  public_interest: 'Public interest',
  none: 'No basis',
};

const COLUMNS: readonly [string, (f: BoardFigures) => Cell][] = [
  ['Decisions', (f) => f.decisions.total],
  ['Decided to share', (f) => f.decisions.byOutcome.share],
  ['Decided not to share', (f) => f.decisions.byOutcome.do_not_share],
  ['Sought advice first', (f) => f.decisions.byOutcome.seek_advice],
  ...LEGAL_BASES.map((b): [string, (f: BoardFigures) => Cell] => [`Legal basis: ${BASIS_LABELS[b]}`, (f) => f.decisions.byLegalBasis[b]]),
  ['Consent refusals overridden in the public interest', (f) => f.consentRefusalsOverridden],
  ['Advice requests', (f) => f.advice.asked],
  ['Advice given', (f) => f.advice.answered],
  ['Advice awaited', (f) => f.advice.unanswered],
  ['Advice median hours', (f) => f.advice.medianHoursToAnswer],
  ['Advice longest hours', (f) => f.advice.longestHoursToAnswer],
  ['Urgent shares', (f) => f.urgent.total],
  ['Urgent completed on time', (f) => f.urgent.completedOnTime],
  ['Urgent completed late', (f) => f.urgent.completedLate],
  ['Urgent incomplete and overdue', (f) => f.urgent.incompleteOverdue],
  ['Urgent incomplete within time', (f) => f.urgent.incompleteWithinTime],
  ['Information requests sent', (f) => f.informationRequests.sent],
  ['Requests answered', (f) => f.informationRequests.answered.total],
  ['Requests answered: shared', (f) => f.informationRequests.answered.shared],
  ['Requests answered: refused', (f) => f.informationRequests.answered.refused],
  ['Requests answered: not known', (f) => f.informationRequests.answered.notKnown],
  ['Requests unanswered', (f) => f.informationRequests.unanswered],
  ['Requests median hours to answer', (f) => f.informationRequests.medianHoursToAnswer],
  ['Shares revoked', (f) => f.revocations.total],
  ['Shares revoked: consent withdrawn', (f) => f.revocations.consentWithdrawn],
];

export const CSV_HEADER: readonly string[] = ['Agency', 'Agency type', ...COLUMNS.map(([name]) => name)];
export const CSV_TOTAL_LABEL = 'All agencies';

/** The report as CSV: a header, one row per agency, then the partnership's total. */
export function boardReportCsv(report: SharingBoardReport): string {
  const row = (name: string, type: string, f: BoardFigures): Cell[] => [name, type, ...COLUMNS.map(([, value]) => value(f))];
  return toCsv([CSV_HEADER, ...report.agencies.map((a) => row(a.agencyName, a.agencyType, a.figures)), row(CSV_TOTAL_LABEL, '', report.total)]);
}

/** The same report as CSV, audited as a CSV read. */
export async function sharingBoardReportCsv(ctx: ActorContext, q: SharingReportQuery): Promise<string> {
  return boardReportCsv(await sharingBoardReport(ctx, q, 'csv'));
}
