import { decidePerson } from '../access/policy.ts';
import { audit, command } from '../audit/audit.ts';
import { personFacts, personInReach } from '../people/people.ts';
import type { RequestReads } from '../shared/request-reads.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { notifyAgency, notifyPractitioners, type Notice } from '../sharing/notify.ts';
import { linkedEntries } from './linked-entries.ts';
import type { PreviousProtection } from './monitoring.schemas.ts';
import { episodeOfAuthority } from './safe-closure.ts';

/**
 * Previous child-protection history of the adults around a child, the third lesson of case
 * example 8: historical records about adults around a child (a violent partner known to
 * probation) are found, not forgotten. Pointers, never content.
 */

// ---------------------------------------------------------------------------------------------
// Previous child-protection history of the adults around a child

/** What the related person is to the child, for an adult "around" them. */
export const ADULT_RELATIONSHIPS = ['parent', 'partner', 'household_member', 'primary_carer', 'parental_responsibility'] as const;
/** Relationships that hold both ways: recorded on either person, they count for both. */
const SYMMETRIC = ['partner', 'household_member'] as const;

interface Edge {
  from: string;
  to: string;
  type: string;
}

/**
 * The statement of relationsFrom, from the entries `from` names (an array expression), of the types
 * in parameter `types`; $3 is the agency, $4 the symmetric types. Unordered: its callers order it.
 */
const relationsSql = (from: string, types: string): string => `
     SELECT r.person_id AS from_id, r.related_person_id AS to_id, r.type, r.created_at
       FROM relationship r JOIN person a ON a.id = r.person_id JOIN person b ON b.id = r.related_person_id
      WHERE r.person_id = ANY(${from}) AND r.type = ANY(${types}::text[]) AND a.agency_id = $3 AND b.agency_id = $3
     UNION ALL
     SELECT r.related_person_id, r.person_id, r.type, r.created_at
       FROM relationship r JOIN person a ON a.id = r.person_id JOIN person b ON b.id = r.related_person_id
      WHERE r.related_person_id = ANY(${from}) AND r.type = ANY(${types}::text[]) AND r.type = ANY($4::text[]) AND a.agency_id = $3 AND b.agency_id = $3`;

const edge = (r: { from_id: string; to_id: string; type: string }): Edge => ({ from: r.from_id, to: r.to_id, type: r.type });

/** Relationships in the agency's own index from these entries, of these types (symmetric ones both ways). */
async function relationsFrom(tx: Tx, agencyId: string, ids: readonly string[], types: readonly string[]): Promise<Edge[]> {
  if (ids.length === 0) return [];
  const { rows } = await tx.query<{ from_id: string; to_id: string; type: string }>(
    `${relationsSql('$1::uuid[]', '$2')} ORDER BY created_at, from_id, to_id`, [ids, types, agencyId, SYMMETRIC]);
  return rows.map(edge);
}

/**
 * The adults around a child in one statement (two before): the child's entries' relationships of
 * the adult types (`first`, as relationsFrom gives them), and the symmetric ones of the adults found
 * there that are not the child's own entries (`second`, as relationsFrom gives them for those).
 */
async function adultsAroundChild(tx: Tx, agencyId: string, subject: readonly string[]): Promise<{ first: Edge[]; second: Edge[] }> {
  if (subject.length === 0) return { first: [], second: [] };
  const { rows } = await tx.query<{ hop: number; from_id: string; to_id: string; type: string }>(
    `WITH hop1 AS (${relationsSql('$1::uuid[]', '$2')}),
          around AS (SELECT coalesce(array_agg(DISTINCT to_id), '{}') AS ids FROM hop1 WHERE to_id <> ALL($1::uuid[]))
     SELECT 1 AS hop, from_id, to_id, type, created_at FROM hop1
     UNION ALL
     SELECT 2, s.from_id, s.to_id, s.type, s.created_at FROM (${relationsSql('(SELECT ids FROM around)::uuid[]', '$4')}) s
     ORDER BY hop, created_at, from_id, to_id`,
    [subject, ADULT_RELATIONSHIPS, agencyId, SYMMETRIC]);
  return { first: rows.filter((r) => r.hop === 1).map(edge), second: rows.filter((r) => r.hop === 2).map(edge) };
}

/**
 * Finds, in the caller's own agency, the adults around a child — parents, carers, those with
 * parental responsibility, household members and partners, and the partners and household
 * members of those — and any previous child-protection episode of another child they are
 * related to (a conference that made that child the subject of a plan). For an adult (a share
 * about a partner known for violence, say) it starts from the adult themself. Entries joined by
 * same-person links count as one person (so an old duplicate entry for the father is found).
 * Only the agency's own index is read: relationships other agencies hold stay with them. Returns
 * pointers, not content.
 */
export async function findPreviousProtection(ctx: ActorContext, tx: Tx, personId: string): Promise<PreviousProtection[]> {
  const now = ctx.clock.now();
  const { found } = await protectionHistoryIn(tx, ctx.actor.agencyId, personId, ctx.reads);
  return found.filter((f) => decidePerson(ctx.actor, 'read', { id: f.earlierChildPersonId, agencyId: ctx.actor.agencyId }, now).allowed);
}

const THEMSELF = 'the person themself';
/** The connection of a child's own earlier plan. */
export const THEMSELF_CHILD = 'the child themself';

/**
 * The search behind findPreviousProtection, in one agency's index, for whoever the agency is:
 * used as the agency itself when a referral arrives or another agency shares about someone, so
 * that the agency's social workers are pointed to the history (nothing goes back to the sender).
 */
export async function protectionHistoryIn(tx: Tx, own: string, personId: string, reads?: RequestReads): Promise<{ subjectEntries: string[]; found: PreviousProtection[] }> {
  const ownLinked = async (id: string): Promise<string[]> => (await linkedEntries(tx, id, reads)).filter((e) => e.agencyId === own).map((e) => e.personId);
  const person = await personFacts(tx, personId, reads);
  const subject = new Set([...(person?.agency_id === own ? [personId] : []), ...(await ownLinked(personId))]);
  if (!person || subject.size === 0) return { subjectEntries: [], found: [] };

  // The adults around the child, and how: 'parent', then 'partner of parent'. An adult is their own starting point.
  const adults = new Map<string, string>();
  let partners: Edge[];
  if (person.kind === 'adult') {
    for (const id of subject) adults.set(id, THEMSELF);
    partners = await relationsFrom(tx, own, [...adults.keys()], SYMMETRIC);
  } else {
    // A child's adults and their partners and household members together: the second hop starts from exactly the adults the first finds.
    const { first, second } = await adultsAroundChild(tx, own, [...subject]);
    for (const r of first) if (!subject.has(r.to) && !adults.has(r.to)) adults.set(r.to, r.type);
    partners = second;
  }
  for (const r of partners) {
    const via = adults.get(r.from)!;
    if (!subject.has(r.to) && !adults.has(r.to)) adults.set(r.to, via === THEMSELF ? r.type : `${r.type.replace(/_/g, ' ')} of ${via.replace(/_/g, ' ')}`);
  }
  // Each adult with the entries linked to them in the same index.
  const matched = new Map<string, string>();
  for (const adult of adults.keys()) {
    matched.set(adult, adult);
    for (const e of await ownLinked(adult)) if (!matched.has(e) && (person.kind === 'adult' || !subject.has(e))) matched.set(e, adult);
  }
  // Other children those entries are related to.
  // In one statement (two before): the symmetric adult relationships of those entries (as relationsFrom
  // gives them: the other person as the child), then the children who name them as an adult, each part in its own order.
  const { rows: related } = await tx.query<{ child: string; entry: string; type: string }>(
    `SELECT 1 AS part, e.to_id AS child, e.from_id AS entry, e.type, e.created_at, e.from_id AS from_id, e.to_id AS to_id, NULL::uuid AS id
       FROM (${relationsSql('$1::uuid[]', '$5')}) e
     UNION ALL
     SELECT 2, r.person_id, r.related_person_id, r.type, r.created_at, NULL, NULL, r.id FROM relationship r JOIN person c ON c.id = r.person_id
      WHERE r.related_person_id = ANY($1::uuid[]) AND r.type = ANY($2::text[]) AND c.agency_id = $3
     ORDER BY part, created_at, from_id, to_id, id`,
    [[...matched.keys()], ADULT_RELATIONSHIPS, own, SYMMETRIC, ADULT_RELATIONSHIPS.filter((t) => (SYMMETRIC as readonly string[]).includes(t))]);
  const earlier = related.map((r) => ({ child: r.child, entry: r.entry, type: r.type }));
  const candidates = earlier.filter((e) => !subject.has(e.child) && !matched.has(e.child));
  // The child's own earlier plans (issue 17): an episode of theirs that made them the subject of a plan and has closed.
  if (person.kind !== 'adult') for (const id of subject) candidates.push({ child: id, entry: id, type: THEMSELF_CHILD });
  if (candidates.length === 0) return { subjectEntries: [...subject], found: [] };

  const { rows: episodes } = await tx.query<{ id: string; child_person_id: string; opened_at: string; closed_at: string | null; plan_started_at: string | null; plan_category: string | null; plan_ended_at: string | null }>(
    `SELECT e.id, e.child_person_id, e.opened_at, e.closed_at,
            (SELECT x.occurred_at FROM episode_action x WHERE x.episode_id = e.id AND x.type = 'conference_held' AND (x.facts->>'plan')::boolean ORDER BY x.seq LIMIT 1) AS plan_started_at,
            (SELECT x.details->'planDetails'->>'category' FROM episode_action x WHERE x.episode_id = e.id AND x.type = 'conference_held' AND (x.facts->>'plan')::boolean ORDER BY x.seq LIMIT 1) AS plan_category,
            (SELECT max(x.occurred_at) FROM episode_action x WHERE x.episode_id = e.id AND x.type = 'plan_ended') AS plan_ended_at
       FROM episode e WHERE e.agency_id = $1 AND e.child_person_id = ANY($2::uuid[]) ORDER BY e.opened_at, e.id`,
    [own, [...new Set(candidates.map((c) => c.child))]]);
  const out: PreviousProtection[] = [];
  const seen = new Set<string>();
  for (const e of episodes) {
    if (!e.plan_started_at) continue;
    for (const c of candidates.filter((x) => x.child === e.child_person_id)) {
      const own = c.type === THEMSELF_CHILD;
      // The child's current episode is not "earlier": only one that has closed counts.
      if (own && !e.closed_at) continue;
      const adult = own ? c.entry : matched.get(c.entry)!;
      const key = `${adult}/${e.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        adultPersonId: adult, connection: own ? THEMSELF_CHILD : adults.get(adult)!.replace(/_/g, ' '), matchedPersonId: c.entry,
        earlierChildPersonId: e.child_person_id, relationshipToEarlierChild: c.type,
        episodeId: e.id, episodeOpenedAt: e.opened_at, episodeClosedAt: e.closed_at,
        planStartedAt: e.plan_started_at, planCategory: e.plan_category, planEndedAt: e.plan_ended_at,
      });
    }
  }
  return { subjectEntries: [...subject], found: out.sort((x, y) => x.planStartedAt.localeCompare(y.planStartedAt) || x.episodeId.localeCompare(y.episodeId)) };
}

/**
 * Points an agency's social workers to the previous history found around someone a referral or
 * a share has just brought to them (what-to-do-if-worried, case example 8: the father's history
 * was known and nobody joined it up). Says only that there is history and where to look.
 */
export async function pointToPreviousHistory(tx: Tx, agencyId: string, personId: string, to: { practitionerIds: readonly string[] } | 'agency', at: Date): Promise<number> {
  const { subjectEntries, found } = await protectionHistoryIn(tx, agencyId, personId);
  if (found.length === 0) return 0;
  const notice = historyNotice(subjectEntries[0]!, found);
  if (to === 'agency' || to.practitionerIds.length === 0) await notifyAgency(tx, agencyId, notice, at);
  else await notifyPractitioners(tx, to.practitionerIds, notice, at);
  return found.length;
}

/** Says that there is history and where to look; never whose or what (the link leads to the page). */
function historyNotice(entityId: string, found: readonly PreviousProtection[]): Notice {
  const own = found.filter((f) => f.connection === THEMSELF_CHILD).length;
  const around = found.length - own;
  const plans = (n: number): string => (n === 1 ? 'an earlier child protection plan' : `${n} earlier child protection plans`);
  const message = own === 0
    ? (around === 1 ? `Someone around this person is linked to ${plans(1)} in your agency: see their previous history.` : `People around this person are linked to ${plans(around)} in your agency: see their previous history.`)
    : around === 0
      ? `This child had ${plans(own)} in your agency: see their previous history.`
      : `This child had ${plans(own)} in your agency, and people around them are linked to ${around} more: see their previous history.`;
  return { kind: 'person.previous-history', entityType: 'person', entityId, message };
}

/** The team managers of an agency: whoever holds the manager role there (policy.ts), active. */
async function managersOf(tx: Tx, agencyId: string): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(
    `SELECT p.id FROM practitioner p JOIN practitioner_role r ON r.practitioner_id = p.id WHERE p.agency_id = $1 AND p.active AND r.role = 'manager' ORDER BY p.id`, [agencyId]);
  return rows.map((r) => r.id);
}

/**
 * Issue 17: earlier child protection plans of the child or the adults around them reach the
 * social worker who holds the case, not only the head of safeguarding. Called when a referral is
 * accepted, an episode opens or its allocated worker is set or changed: the allocated worker and
 * the agency's team managers are told (the managers allocate when no one is allocated yet; with
 * neither, the safeguarding leads are). Someone who still has the same notice unread is not told
 * twice. Returns how many earlier plans were found.
 */
export async function tellCaseHoldersOfHistory(tx: Tx, agencyId: string, childPersonId: string, allocatedWorkerId: string | null, at: Date): Promise<number> {
  const { subjectEntries, found } = await protectionHistoryIn(tx, agencyId, childPersonId);
  if (found.length === 0) return 0;
  const notice = historyNotice(subjectEntries.includes(childPersonId) ? childPersonId : subjectEntries[0]!, found);
  const to = [...new Set([...(allocatedWorkerId ? [allocatedWorkerId] : []), ...(await managersOf(tx, agencyId))])];
  if (to.length === 0) {
    await notifyAgency(tx, agencyId, notice, at);
    return found.length;
  }
  const { rows } = await tx.query<{ practitioner_id: string }>(
    'SELECT DISTINCT practitioner_id FROM notification WHERE practitioner_id = ANY($1::uuid[]) AND kind = $2 AND entity_id = $3 AND read_at IS NULL',
    [to, notice.kind, notice.entityId]);
  const told = new Set(rows.map((r) => r.practitioner_id));
  await notifyPractitioners(tx, to.filter((id) => !told.has(id)), notice, at);
  return found.length;
}

/** The previous child-protection history of the adults around a child (for a referral or an episode). */
export async function previousProtectionHistory(ctx: ActorContext, personId: string): Promise<PreviousProtection[]> {
  return command(ctx, async (tx) => {
    await personInReach(ctx, tx, personId, 'read', 'person.previous-history');
    const found = await findPreviousProtection(ctx, tx, personId);
    await audit(ctx, tx, { action: 'person.previous-history', outcome: 'success', entityType: 'person', entityId: personId, personId, detail: { count: found.length } });
    return found;
  });
}

/** The same, for the child of an episode of the caller's authority. */
export async function episodePreviousHistory(ctx: ActorContext, episodeId: string): Promise<PreviousProtection[]> {
  return command(ctx, async (tx) => {
    const e = await episodeOfAuthority(ctx, tx, episodeId, 'episode.previous-history');
    const found = await findPreviousProtection(ctx, tx, e.child_person_id);
    await audit(ctx, tx, { action: 'episode.previous-history', outcome: 'success', entityType: 'episode', entityId: e.id, personId: e.child_person_id, detail: { count: found.length } });
    return found;
  });
}
