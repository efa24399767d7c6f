import { z } from 'zod';
import { decidePerson, decideView } from '../access/policy.ts';
import { auditAll, command } from '../audit/audit.ts';
import type { Queryable } from '../db/database.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { Uuid } from '../shared/schemas.ts';
import { grantsFor, withGrants } from '../sharing/grants.ts';
import { readOnce } from '../shared/request-reads.ts';

/**
 * Which child a row in a worklist is about ("Ava Reed, born 4 March 2024", or "unborn baby of
 * Natasha Reed, due 1 July 2026"), told only to a caller the access policy lets read that child.
 * Worklist rows (tasks, due steps, alerts, meeting actions, notifications) store no names; the
 * name is looked up when the list is read, so a share that ends takes the name away with it.
 */
export const ChildSummary = z
  .object({
    personId: Uuid,
    name: z.string().meta({ description: 'The usual name; "Unnamed child" when none is recorded.' }),
    unborn: z.boolean(),
    dateOfBirth: z.string().nullable(),
    expectedDate: z.string().nullable().meta({ description: 'For an unborn child: the expected date of delivery.' }),
    motherName: z.string().nullable().meta({ description: 'For an unborn child: the mother, when the caller may read her too.' }),
    asInvited: z.boolean().optional().meta({ description: "Named because a meeting about the child invited you (or gave you an action): the entry is another agency's, not one you may open." }),
  })
  .meta({ id: 'ChildSummary' });
export type ChildSummary = z.infer<typeof ChildSummary>;

/** What a row is about: the children the caller may see, and how many more it may not. */
export interface ChildrenOf {
  children: ChildSummary[];
  hidden: number;
}

/** The kinds of thing a worklist row points at, and how each leads to the child (or children) it is about. */
const CHILD_OF: Record<string, string> = {
  person: 'SELECT id AS ref, id AS person_id FROM person WHERE id = ANY($1::uuid[])',
  episode: 'SELECT id AS ref, child_person_id AS person_id FROM episode WHERE id = ANY($1::uuid[])',
  overdue_alert: 'SELECT a.id AS ref, e.child_person_id AS person_id FROM overdue_alert a JOIN episode e ON e.id = a.episode_id WHERE a.id = ANY($1::uuid[])',
  meeting: 'SELECT meeting_id AS ref, person_id FROM meeting_subject WHERE meeting_id = ANY($1::uuid[])',
  meeting_action: 'SELECT a.id AS ref, s.person_id FROM meeting_action a JOIN meeting_subject s ON s.meeting_id = a.meeting_id WHERE a.id = ANY($1::uuid[])',
  // Monitoring crosses agencies: each agency's own entry for the one child (see SAME_CHILD).
  monitoring_arrangement: `SELECT m.id AS ref, x.person_id FROM monitoring_arrangement m CROSS JOIN LATERAL (VALUES (m.child_person_id), (m.responsible_person_id)) x(person_id) WHERE m.id = ANY($1::uuid[])
    UNION SELECT n.arrangement_id AS ref, n.person_id FROM closure_notice n WHERE n.arrangement_id = ANY($1::uuid[]) AND n.person_id IS NOT NULL`,
  monitoring_alert: `SELECT a.id AS ref, x.person_id FROM monitoring_alert a JOIN monitoring_arrangement m ON m.id = a.arrangement_id CROSS JOIN LATERAL (VALUES (m.child_person_id), (m.responsible_person_id)) x(person_id) WHERE a.id = ANY($1::uuid[])
    UNION SELECT a.id AS ref, n.person_id FROM monitoring_alert a JOIN closure_notice n ON n.arrangement_id = a.arrangement_id WHERE a.id = ANY($1::uuid[]) AND n.person_id IS NOT NULL`,
  closure_notice: `SELECT n.id AS ref, x.person_id FROM closure_notice n JOIN monitoring_arrangement m ON m.id = n.arrangement_id CROSS JOIN LATERAL (VALUES (m.child_person_id), (n.person_id)) x(person_id) WHERE n.id = ANY($1::uuid[]) AND x.person_id IS NOT NULL`,
  referral: 'SELECT id AS ref, child_person_id AS person_id FROM referral WHERE id = ANY($1::uuid[]) AND child_person_id IS NOT NULL',
  information_request: 'SELECT id AS ref, subject_person_id AS person_id FROM information_request WHERE id = ANY($1::uuid[])',
  share_decision: 'SELECT id AS ref, person_id FROM share_decision WHERE id = ANY($1::uuid[])',
  // A plan is read by several agencies: each one's own entry for the child (see SAME_CHILD).
  plan: `SELECT id AS ref, child_person_id AS person_id FROM plan WHERE id = ANY($1::uuid[])
    UNION SELECT plan_id AS ref, entry_person_id AS person_id FROM plan_grant WHERE plan_id = ANY($1::uuid[]) AND entry_person_id IS NOT NULL`,
};

/**
 * What a notification is about, for naming its child. A request for advice names no child: the
 * adviser does not learn who the person is unless the asker chose to reveal it (golden rule 3), and
 * that choice is shown on the advice page, not in the list.
 */
export function notificationRef(n: { kind: string; entityType: string; entityId: string }): { type: string; id: string } {
  return n.kind === 'advice.requested' ? { type: 'none', id: n.entityId } : { type: n.entityType, id: n.entityId };
}

export const refKey = (type: string, id: string): string => `${type}:${id}`;

/**
 * Kinds whose rows are about one child held by several agencies (linked entries): the reader's
 * own agency's entry is named (else one it may read), and one child is hidden only when it may
 * read none of them.
 */
const SAME_CHILD = new Set(['monitoring_arrangement', 'monitoring_alert', 'closure_notice', 'plan']);

export interface PersonRow { id: string; agency_id: string; kind: string; date_of_birth: string | null; expected_date_of_delivery: string | null; name: string | null }

/** The name a summary gives a person (the usual one, else the first), as an expression on a person `p`. */
export const SUMMARY_NAME_SQL = "(SELECT trim(n.given_names || ' ' || n.family_name) FROM person_name n WHERE n.person_id = p.id ORDER BY (n.use = 'usual') DESC, n.position LIMIT 1)";

/** The request's key for SELECT_PEOPLE's rows for these people (whatever their order or repeats). */
export const summaryKey = (ids: readonly string[]): string => `summary:${[...new Set(ids)].sort().join(',')}`;

const SELECT_PEOPLE = `SELECT p.id, p.agency_id, p.kind, p.date_of_birth::text AS date_of_birth, p.expected_date_of_delivery::text AS expected_date_of_delivery,
    ${SUMMARY_NAME_SQL} AS name
  FROM person p WHERE p.id = ANY($1::uuid[])`;

/** The people among these ids the caller may read (decidePerson, with the shares naming them). */
async function readable(ctx: ActorContext, tx: Queryable, ids: readonly string[]): Promise<Map<string, PersonRow>> {
  return (await peopleAmong(ctx, tx, ids)).readable;
}

/** Which of these ids name a person at all, and which of those the caller may read. */
async function peopleAmong(ctx: ActorContext, tx: Queryable, ids: readonly string[]): Promise<{ found: Set<string>; readable: Map<string, PersonRow> }> {
  if (ids.length === 0) return { found: new Set(), readable: new Map() };
  // Given the request's reads, a person's page has read its person's row with the person (getPerson).
  const rows = await readOnce(ctx.reads, summaryKey(ids), async () => (await tx.query<PersonRow>(SELECT_PEOPLE, [ids])).rows);
  const others = rows.filter((r) => r.agency_id !== ctx.actor.agencyId).map((r) => r.id);
  const actor = others.length ? withGrants(ctx.actor, await grantsFor(tx, ctx.actor, { personIds: others })) : ctx.actor;
  const now = ctx.clock.now();
  return {
    found: new Set(rows.map((r) => r.id)),
    readable: new Map(rows.filter((r) => decidePerson(actor, 'read', { id: r.id, agencyId: r.agency_id }, now).allowed).map((r) => [r.id, r])),
  };
}

/**
 * The children each of these rows is about, as far as the caller may see them. Each child named is
 * audited as read (the name and date of birth are personal data); a child out of reach is counted,
 * never named, so a row can say "a child you cannot see".
 */
export async function childrenOf(ctx: ActorContext, refs: readonly { type: string; id: string }[]): Promise<Map<string, ChildrenOf>> {
  if (refs.length === 0) return new Map();
  return command(ctx, (tx) => childrenOfIn(ctx, tx, refs));
}

/** The same, inside a service's own transaction (for a list the API returns with its children named). */
export async function childrenOfIn(ctx: ActorContext, tx: Tx, refs: readonly { type: string; id: string }[]): Promise<Map<string, ChildrenOf>> {
  const out = new Map<string, ChildrenOf>();
  if (refs.length === 0) return out;
  const links: { key: string; personId: string }[] = [];
  const byType = new Map<string, string[]>();
  for (const r of refs) {
    if (!CHILD_OF[r.type]) continue;
    const ids = byType.get(r.type);
    if (ids) ids.push(r.id);
    else byType.set(r.type, [r.id]);
  }
  for (const [type, ids] of byType) {
    // A row about a person names its child directly: whether that person exists comes with reading them below.
    if (type === 'person') continue;
    for (const row of (await tx.query<{ ref: string; person_id: string }>(CHILD_OF[type]!, [ids])).rows) links.push({ key: refKey(type, row.ref), personId: row.person_id });
  }
  const direct = byType.get('person') ?? [];
  const { found, readable: people } = await peopleAmong(ctx, tx, [...new Set([...links.map((l) => l.personId), ...direct])]);
  for (const id of new Set(direct)) if (found.has(id)) links.push({ key: refKey('person', id), personId: id });
  // A meeting names its child to those it invited and its actions' owners, of any agency (issue 18): the invitation is the disclosure.
  // Only the meeting's own rows name them so: a row about the same child of another kind stays as the policy decides.
  const invited = new Map((await invitedTo(ctx, tx, byType)).filter((p) => !people.has(p.id)).map((p) => [p.id, p]));
  const reach = (l: { key: string; personId: string }): PersonRow | undefined => people.get(l.personId) ?? (/^meeting(_action)?:/.test(l.key) ? invited.get(l.personId) : undefined);
  const mothers = await mothersOf(ctx, tx, [...people.values()].filter((p) => p.kind === 'unborn').map((p) => p.id));
  const summary = (p: PersonRow): ChildSummary => ({
    personId: p.id, name: p.name || 'Unnamed child', unborn: p.kind === 'unborn', dateOfBirth: p.date_of_birth,
    expectedDate: p.kind === 'unborn' ? p.expected_date_of_delivery : null, motherName: mothers.get(p.id) ?? null,
  });
  for (const r of refs) out.set(refKey(r.type, r.id), { children: [], hidden: 0 });
  for (const l of links) {
    const entry = out.get(l.key)!;
    const p = reach(l);
    if (p) { if (!entry.children.some((c) => c.personId === p.id)) entry.children.push(people.has(p.id) ? summary(p) : { ...summary(p), asInvited: true }); } else entry.hidden += 1;
  }
  for (const r of refs) {
    const entry = out.get(refKey(r.type, r.id))!;
    if (!SAME_CHILD.has(r.type)) continue;
    const own = entry.children.find((c) => people.get(c.personId)?.agency_id === ctx.actor.agencyId) ?? entry.children[0];
    entry.children = own ? [own] : [];
    entry.hidden = own || entry.hidden === 0 ? 0 : 1;
  }
  // Every child named is audited as read: one statement for the whole list, however long.
  const named = new Set([...out.values()].flatMap((e) => e.children.map((c) => c.personId)));
  await auditAll(ctx, tx, [...people.keys(), ...invited.keys()].filter((id) => named.has(id))
    .map((id) => ({ action: 'person.summary', outcome: 'success', entityType: 'person', entityId: id, personId: id })));
  return out;
}

/** The children on the agenda of the meetings among these rows that invited the caller (her agency, or her by name) or gave her an action. */
async function invitedTo(ctx: ActorContext, tx: Queryable, byType: Map<string, string[]>): Promise<PersonRow[]> {
  const meetings = byType.get('meeting') ?? [];
  const actions = byType.get('meeting_action') ?? [];
  if (meetings.length === 0 && actions.length === 0) return [];
  const { rows } = await tx.query<{ person_id: string }>(
    `SELECT DISTINCT s.person_id FROM meeting_subject s
      WHERE (s.meeting_id = ANY($1::uuid[]) OR s.meeting_id IN (SELECT meeting_id FROM meeting_action WHERE id = ANY($2::uuid[])))
        AND (EXISTS (SELECT 1 FROM meeting_invitee i WHERE i.meeting_id = s.meeting_id AND i.agency_id = $3 AND (i.practitioner_id IS NULL OR i.practitioner_id = $4))
          OR EXISTS (SELECT 1 FROM meeting_action a WHERE a.meeting_id = s.meeting_id AND a.owner_id = $4))`,
    [meetings, actions, ctx.actor.agencyId, ctx.actor.practitionerId]);
  if (rows.length === 0 || !decideView(ctx.actor, 'meetings').allowed) return [];
  return (await tx.query<PersonRow>(SELECT_PEOPLE, [rows.map((r) => r.person_id)])).rows;
}

/** An unborn child's mother (a female parent, else any parent), named only when the caller may read her. */
async function mothersOf(ctx: ActorContext, tx: Queryable, unbornIds: readonly string[]): Promise<Map<string, string>> {
  if (unbornIds.length === 0) return new Map();
  const rows = (await tx.query<{ person_id: string; related_person_id: string }>(
    `SELECT r.person_id, r.related_person_id FROM relationship r JOIN person m ON m.id = r.related_person_id
      WHERE r.person_id = ANY($1::uuid[]) AND r.type = 'parent' ORDER BY (m.sex = 'female') DESC, r.created_at`, [unbornIds])).rows;
  const people = await readable(ctx, tx, [...new Set(rows.map((r) => r.related_person_id))]);
  const out = new Map<string, string>();
  for (const r of rows) {
    const name = people.get(r.related_person_id)?.name;
    if (name && !out.has(r.person_id)) out.set(r.person_id, name);
  }
  return out;
}
