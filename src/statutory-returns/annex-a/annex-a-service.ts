import { z } from 'zod';
import { decideAgency } from '../../access/policy.ts';
import { audit, auditAll, auditArguments, auditSystem, command, refuse, type AuditInput } from '../../audit/audit.ts';
import type { ActorContext, Services, Tx } from '../../shared/context.ts';
import { CalendarDate } from '../../shared/schemas.ts';
import { annexA, type AnnexA } from './annex-a.ts';

export const ANNEX_A_ACTION = 'returns.annex_a';

export const AnnexAQuery = z
  .strictObject({
    from: CalendarDate.meta({ description: 'First day of the period (London), inclusive, YYYY-MM-DD.' }),
    to: CalendarDate.meta({ description: 'Last day of the period (London), inclusive, YYYY-MM-DD.' }),
  })
  // Compared only when both are real dates: a bad date is reported once, on its own field.
  .refine((q) => !(CalendarDate.safeParse(q.from).success && CalendarDate.safeParse(q.to).success) || q.from <= q.to, {
    path: ['from'], message: 'The period must start on or before its last day',
  });
export type AnnexAQuery = z.output<typeof AnnexAQuery>;

/** What the trail keeps: the period and how many rows each list had; each child listed has an entry of their own. */
function entries(agencyId: string, a: AnnexA, format: string): { summary: AuditInput; people: AuditInput[] } {
  const counts = Object.fromEntries(a.lists.filter((l) => !l.note).map((l) => [l.key, l.rows.length]));
  const people = [...new Set(a.lists.flatMap((l) => l.entries))];
  return {
    summary: { action: ANNEX_A_ACTION, outcome: 'success', entityType: 'agency', entityId: agencyId, detail: { from: a.from, to: a.to, format, ...counts } },
    people: people.map((personId) => ({ action: `${ANNEX_A_ACTION}.listed`, outcome: 'success', entityType: 'person', entityId: personId, personId })),
  };
}

/**
 * The Annex A lists for the actor's agency (or the one named): its data team and managers only
 * (decideAgency 'prepare-returns'); anyone else is answered as if there were nothing there.
 */
export async function annexAFor(ctx: ActorContext, q: AnnexAQuery, format: 'xlsx' | 'json' = 'xlsx', agencyId = ctx.actor.agencyId): Promise<AnnexA> {
  return command(ctx, async (tx) => {
    if (!decideAgency(ctx.actor, 'prepare-returns', agencyId).allowed) {
      throw refuse('agency', { action: ANNEX_A_ACTION, entityType: 'agency', entityId: agencyId });
    }
    const a = await annexA(tx, agencyId, q.from, q.to);
    const e = entries(agencyId, a, format);
    await audit(ctx, tx, e.summary);
    await auditAll(ctx, tx, e.people);
    return a;
  });
}

/** The same for the operator's command line: no practitioner, so the entries name none. */
export async function annexAForOperator(s: Services, agencyId: string, q: AnnexAQuery): Promise<AnnexA> {
  return s.db.transaction(async (tx: Tx) => {
    const a = await annexA(tx, agencyId, q.from, q.to);
    const e = entries(agencyId, a, 'xlsx (command line)');
    await auditSystem(s, tx, e.summary);
    // One statement for every child listed, chained as one entry each (as auditAll does for a practitioner).
    const who = { requestId: s.requestId, at: s.clock.now() };
    for (let i = 0; i < e.people.length; i += 5000) {
      await tx.query('SELECT jigsaw_append_audit_many($1::jsonb)', [JSON.stringify(e.people.slice(i, i + 5000).map((p) => auditArguments(who, p)))]);
    }
    return a;
  });
}
