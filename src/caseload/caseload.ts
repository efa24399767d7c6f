import { checkView } from '../access/views.ts';
import { audit, command } from '../audit/audit.ts';
import { londonDate } from '../calendar/working-days.ts';
import { childrenOfIn, refKey, type ChildSummary } from '../people/child-summary.ts';
import type { ActorContext } from '../shared/context.ts';
import { attentionFor } from './attention.ts';
import { CASELOAD_REASONS, CASELOAD_URGENCY, type Caseload, type CaseloadAttention, type CaseloadEntry, type CaseloadReason } from './schemas.ts';
import { candidates, ownEntries, type Reader } from './sources.ts';

/**
 * A practitioner's caseload, "My children" (issue 17): the children they are lead worker for,
 * allocated to, named on (the plan's key worker or core group, a meeting to come) or monitoring,
 * and for a safeguarding lead or a manager their agency's children with something open. Ordered
 * by what needs attention first. Only children the reader may read are listed (childrenOfIn asks
 * the access policy of each, and audits each child named); anyone whose role does no casework is
 * refused the list as a whole (decideView 'caseload').
 */

/** The most children one list returns: the most urgent are kept. */
export const CASELOAD_LIMIT = 1000;

/** The name a row is sorted by: as the pages show it ("Unborn baby of …" by the mother). */
const sortName = (c: ChildSummary): string => (c.unborn ? `${c.motherName ?? c.name}` : c.name).toLocaleLowerCase('en-GB');

export async function myCaseload(ctx: ActorContext): Promise<Caseload> {
  return command(ctx, async (tx) => {
    checkView(ctx, 'caseload', 'caseload.list');
    const now = ctx.clock.now();
    const today = londonDate(now);
    const roles = ctx.actor.roles;
    const reader: Reader = {
      practitionerId: ctx.actor.practitionerId, agencyId: ctx.actor.agencyId, today,
      agencyWide: roles.includes('safeguarding_lead') || roles.includes('manager'), seesRestricted: roles.includes('safeguarding_lead'),
    };

    // Who, and why: every source names the child as its own agency knows them; one row per entry of the reader's agency.
    const found = await candidates(tx, reader);
    const own = await ownEntries(tx, reader.agencyId, found.map((c) => c.personId));
    const reasons = new Map<string, Set<CaseloadReason>>();
    for (const c of found) {
      const entry = own.get(c.personId);
      // Adults (a parent with a lead worker) are not on "My children".
      if (!entry || entry.kind === 'adult') continue;
      reasons.set(entry.id, (reasons.get(entry.id) ?? new Set()).add(c.reason));
    }

    // Deny by default: a child the reader may not read is left out, not counted (a caseload is the reader's own work).
    const ids = [...reasons.keys()];
    const about = await childrenOfIn(ctx, tx, ids.map((id) => ({ type: 'person', id })));
    const visible = ids.filter((id) => about.get(refKey('person', id))?.children.length);
    const seen = new Set(visible);

    const items = await attentionFor(tx, reader, now, visible);
    const itemOwn = await ownEntries(tx, reader.agencyId, items.map((i) => i.personId).filter((id) => !reasons.has(id)));
    const attention = new Map<string, CaseloadAttention[]>();
    for (const { personId, item } of items) {
      const id = reasons.has(personId) ? personId : itemOwn.get(personId)?.id;
      if (!id || !seen.has(id)) continue;
      const list = attention.get(id) ?? [];
      if (!list.some((a) => a.what === item.what && a.label === item.label && a.date === item.date)) list.push(item);
      attention.set(id, list);
    }

    const rank = (e: CaseloadEntry): number => CASELOAD_URGENCY.indexOf(e.urgency);
    const earliest = (e: CaseloadEntry): string => e.attention.filter((a) => a.kind === 'overdue').map((a) => a.date).sort()[0] ?? '';
    const entries = visible.map((id): CaseloadEntry => {
      const list = (attention.get(id) ?? []).sort((a, b) => CASELOAD_URGENCY.indexOf(a.kind) - CASELOAD_URGENCY.indexOf(b.kind) || a.date.localeCompare(b.date));
      return {
        child: about.get(refKey('person', id))!.children[0]!,
        reasons: CASELOAD_REASONS.filter((r) => reasons.get(id)!.has(r)),
        urgency: list[0]?.kind ?? 'none',
        attention: list,
      };
    }).sort((a, b) => rank(a) - rank(b)
      // The longest overdue first; then by name, whatever the group.
      || (a.urgency === 'overdue' ? earliest(a).localeCompare(earliest(b)) : 0)
      || sortName(a.child).localeCompare(sortName(b.child), 'en-GB')
      || a.child.personId.localeCompare(b.child.personId));

    const shown = entries.slice(0, CASELOAD_LIMIT);
    await audit(ctx, tx, {
      action: 'caseload.list', outcome: 'success', entityType: 'practitioner', entityId: ctx.actor.practitionerId,
      detail: { count: shown.length, needingAttention: shown.filter((e) => e.urgency !== 'none').length },
    });
    return { today, children: shown, truncated: entries.length > shown.length };
  });
}
