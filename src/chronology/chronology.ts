import { decidePerson, decideRecord, type Actor } from '../access/policy.ts';
import { audit, command, refuse } from '../audit/audit.ts';
import { londonDate } from '../calendar/working-days.ts';
import type { Queryable } from '../db/database.ts';
import { personInReach } from '../people/people.ts';
import type { Relationship } from '../people/schemas.ts';
import { facts, SELECT_RECORD, toRecord, type RecordRow } from '../records/records.ts';
import type { ActorContext } from '../shared/context.ts';
import { conflict, invalid } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { grantInfoOf, grantsFor, liveGrants, withGrants, type GrantInfo } from '../sharing/grants.ts';
import { clustersOf, type ClusterMember } from './links.ts';
import { linkedEntries } from '../process/linked-entries.ts';
import { chronologyCsv, chronologyHtml } from './render.ts';
import {
  HOUSEHOLD_TYPES,
  NewContradictionMark,
  type AgenciesInvolved,
  type AgencyInvolved,
  type Chronology,
  type ChronologyEntry,
  type ChronologyQuery,
  type Contradiction,
  type ContradictionMark,
  type Relation,
} from './schemas.ts';

type RelationshipType = Relationship['type'];
type HouseholdType = (typeof HOUSEHOLD_TYPES)[number];
/** Recorded the other way round these mean the same thing: "Y is X's sibling" ⇔ "X is Y's sibling". */
const SYMMETRIC: readonly RelationshipType[] = ['sibling', 'partner', 'household_member'];
/** Which relation names a household member when several are recorded (a mother: parent before carer). */
const RELATION_ORDER: readonly HouseholdType[] = ['parent', 'parental_responsibility', 'primary_carer', 'sibling', 'partner', 'household_member'];

const groupBy = <T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> => {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
};

const currentOn = (today: string, from: string | null, to: string | null): boolean => (!from || from <= today) && (!to || to >= today);

interface RelationshipRow {
  person_id: string;
  related_person_id: string;
  type: RelationshipType;
  valid_from: string | null;
  valid_to: string | null;
}

/** Current relationships recorded by the viewer's agency on these of its entries, in either direction. */
async function ownRelationships(tx: Queryable, actor: Actor, personIds: readonly string[], today: string): Promise<RelationshipRow[]> {
  if (personIds.length === 0) return [];
  const { rows } = await tx.query<RelationshipRow>(
    // The agency of each relationship's entry looked up per relationship (a handful): joined, the
    // planner's plan for any ids (a generic plan) read every entry of the agency (issue 21).
    `SELECT r.person_id, r.related_person_id, r.type, r.valid_from, r.valid_to
       FROM relationship r
      WHERE (r.person_id = ANY($1::uuid[]) OR r.related_person_id = ANY($1::uuid[]))
        AND (SELECT p.agency_id FROM person p WHERE p.id = r.person_id) = $2`,
    [personIds, actor.agencyId],
  );
  return rows.filter((r) => currentOn(today, r.valid_from, r.valid_to));
}

/**
 * The same grants, as the same GrantInfo, as sharing/grants.ts grantsFor({ personIds }) returns
 * (a test checks they agree), loaded for thousands of records at a time: the decision behind the
 * grants is read once per decision instead of once per grant, and the columns come as text the
 * application does not have to parse. For a chronology of 3,750 shared records it is about three
 * times faster (docs/performance.md).
 */
export async function grantsAbout(tx: Queryable, actor: Actor, personIds: readonly string[]): Promise<GrantInfo[]> {
  if (personIds.length === 0) return [];
  // One row per decision and grant shape, with its records as text: a few rows to parse instead
  // of one per record (a decision typically grants thousands of records the same way). The
  // decision's details are joined to those few rows, in the same statement (one round trip: issue 21).
  const { rows } = await tx.query<{
    grantee_agency_id: string; grantee_practitioner_id: string | null; valid_from: string;
    valid_until: string | null; revoked_at: string | null; parts: string; decision_id: string; records: string;
    agency_id: string; agency_name: string; decided_by_name: string; decided_at: string; purpose: string;
    legal_basis: GrantInfo['legalBasis']; onward_sharing: GrantInfo['onwardSharing']; onward_conditions: string | null; include_address: boolean;
  }>(
    `WITH g AS (
       SELECT g.grantee_agency_id, g.grantee_practitioner_id,
              to_char(g.valid_from AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS valid_from, g.valid_until, g.revoked_at,
              array_to_string(g.parts, ',') AS parts, g.decision_id, string_agg(g.record_id::text || g.person_id::text, '')  AS records
         FROM share_grant g
        WHERE g.grantee_agency_id = $2 AND (g.grantee_practitioner_id IS NULL OR g.grantee_practitioner_id = $3) AND g.person_id = ANY($1::uuid[])
        GROUP BY g.decision_id, g.grantee_agency_id, g.grantee_practitioner_id, g.valid_from, g.valid_until, g.revoked_at, g.parts)
     SELECT g.*, d.agency_id, a.name AS agency_name, p.name AS decided_by_name, d.decided_at, d.purpose, d.legal_basis,
            d.onward_sharing, d.onward_conditions, d.include_address
       FROM g JOIN share_decision d ON d.id = g.decision_id JOIN agency a ON a.id = d.agency_id JOIN practitioner p ON p.id = d.decided_by`,
    [personIds, actor.agencyId, actor.practitionerId],
  );
  const out: GrantInfo[] = [];
  for (const r of rows) {
    // Grants of the same shape share one parts list (toRecord builds its set once per list).
    const shape = { ...r, parts: r.parts.split(',') as GrantInfo['parts'] };
    // Each record is its id and its person's id, 36 characters each, back to back.
    for (let i = 0; i < r.records.length; i += 72) out.push(grantInfoOf(shape, r.records.slice(i, i + 36), r.records.slice(i + 36, i + 72)));
  }
  return out;
}

/** Who the viewer may see: every person entry involved, with the grants naming the viewer about it. */
interface Reach {
  /** Entry → what it is to the child ('subject' for the child's own entries) and which cluster it is in. */
  members: Map<string, { member: ClusterMember; relation: Relation }>;
  grantsByPerson: Map<string, GrantInfo[]>;
  grantsByRecord: Map<string, GrantInfo[]>;
  /** Own-agency relationships of the entries involved (for household and contradictions). */
  relationships: RelationshipRow[];
}

async function loadReach(ctx: ActorContext, tx: Queryable, personId: string, household: boolean, today: string): Promise<Reach> {
  const members = new Map<string, { member: ClusterMember; relation: Relation }>();
  const subject = await clustersOf(tx, [personId]);
  for (const m of subject) members.set(m.id, { member: m, relation: 'subject' });
  const own = (ms: readonly ClusterMember[]): string[] => ms.filter((m) => m.agencyId === ctx.actor.agencyId).map((m) => m.id);
  let relationships = await ownRelationships(tx, ctx.actor, own(subject), today);
  if (household) {
    const subjectIds = new Set(subject.map((m) => m.id));
    const relationOf = new Map<string, HouseholdType[]>();
    for (const r of relationships) {
      if (!(HOUSEHOLD_TYPES as readonly string[]).includes(r.type)) continue;
      const other = subjectIds.has(r.person_id) ? r.related_person_id : SYMMETRIC.includes(r.type) ? r.person_id : undefined;
      if (!other || subjectIds.has(other)) continue;
      relationOf.set(other, [...(relationOf.get(other) ?? []), r.type as HouseholdType]);
    }
    const seeds = [...relationOf.keys()];
    const householdClusters = await clustersOf(tx, seeds);
    for (const m of householdClusters) {
      if (members.has(m.id)) continue;
      const types = relationOf.get(m.seed)!;
      members.set(m.id, { member: m, relation: RELATION_ORDER.find((t) => types.includes(t))! });
    }
    relationships = [...relationships, ...await ownRelationships(tx, ctx.actor, own(householdClusters).filter((id) => !subjectIds.has(id)), today)];
  }
  const others = [...members.values()].filter((m) => m.member.agencyId !== ctx.actor.agencyId).map((m) => m.member.id);
  const grants = await grantsAbout(tx, ctx.actor, others);
  return { members, grantsByPerson: groupBy(grants, (g) => g.personId), grantsByRecord: groupBy(grants, (g) => g.recordId), relationships };
}

interface Names {
  /** The usual name (or the first recorded) per entry. */
  byPerson: Map<string, string>;
}

async function loadNames(tx: Queryable, personIds: readonly string[]): Promise<Names> {
  const byPerson = new Map<string, string>();
  if (personIds.length === 0) return { byPerson };
  const { rows } = await tx.query<{ person_id: string; given_names: string; family_name: string }>(
    `SELECT person_id, given_names, family_name FROM person_name WHERE person_id = ANY($1::uuid[])
      ORDER BY person_id, (use = 'usual') DESC, position`,
    [personIds],
  );
  for (const r of rows) if (!byPerson.has(r.person_id)) byPerson.set(r.person_id, `${r.given_names} ${r.family_name}`.trim());
  return { byPerson };
}

async function agencyNames(tx: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await tx.query<{ id: string; name: string }>('SELECT id, name FROM agency WHERE id = ANY($1::uuid[])', [[...new Set(ids)]]);
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** The policy decides whether the viewer may see who each entry is (own index, or a live share about them). */
function visiblePeople(ctx: ActorContext, reach: Reach, now: Date): Set<string> {
  const out = new Set<string>();
  for (const { member } of reach.members.values()) {
    const actor = withGrants(ctx.actor, reach.grantsByPerson.get(member.id) ?? []);
    if (decidePerson(actor, 'read', { id: member.id, agencyId: member.agencyId }, now).allowed) out.add(member.id);
  }
  return out;
}

interface Built {
  chronology: Chronology;
  /** How many entries the viewer may see before the filters: for the audit entry. */
  visibleCount: number;
  /** The usual (else the first) name of the entry asked about, if any is recorded. */
  subjectName: string | null;
}

const normalisePostcode = (p: string): string => p.toUpperCase().replace(/\s+/g, '');
const normaliseName = (n: string): string => n.toLowerCase().replace(/\s+/g, ' ').trim();

interface ValueHolder {
  personId: string;
  agencyId: string;
}

function valuesOf(held: ReadonlyMap<string, ValueHolder[]>, names: ReadonlyMap<string, string>): Contradiction['values'] {
  return [...held.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([value, holders]) => ({
      value,
      heldBy: holders.map((h) => ({ agencyId: h.agencyId, agencyName: names.get(h.agencyId) ?? 'Unknown agency', personId: h.personId })),
    }));
}

/**
 * What the entries the viewer may see disagree about: date of birth, current postcode and — for
 * the viewer's own entries, the only ones whose relationships they may see — who each
 * relationship names. Only values the viewer may see are compared or shown.
 */
async function derivedContradictions(
  ctx: ActorContext, tx: Queryable, reach: Reach, visible: ReadonlySet<string>, today: string, agencyName: ReadonlyMap<string, string>, now: Date,
  relatedNames: ReadonlyMap<string, string>,
): Promise<Contradiction[]> {
  const out: Contradiction[] = [];
  const bySeed = groupBy([...reach.members.values()].map((m) => m.member).filter((m) => visible.has(m.id)), (m) => m.seed);
  const visibleIds = [...visible];
  // Addresses: the holding agency's own, or another's where a live share chose to include it.
  const addressVisible = visibleIds.filter((id) => {
    const m = reach.members.get(id)!.member;
    return m.agencyId === ctx.actor.agencyId || liveGrants(reach.grantsByPerson.get(id) ?? [], now).some((g) => g.includeAddress);
  });
  const addresses = addressVisible.length === 0 ? [] : (await tx.query<{ person_id: string; postcode: string | null; valid_from: string | null; valid_to: string | null }>(
    'SELECT person_id, postcode, valid_from, valid_to FROM person_address WHERE person_id = ANY($1::uuid[])', [addressVisible])).rows;
  const postcodesOf = groupBy(addresses.filter((a) => a.postcode && currentOn(today, a.valid_from, a.valid_to)), (a) => a.person_id);

  for (const [seed, members] of bySeed) {
    if (members.length < 2) continue;
    const dob = new Map<string, ValueHolder[]>();
    for (const m of members) if (m.dateOfBirth) dob.set(m.dateOfBirth, [...(dob.get(m.dateOfBirth) ?? []), { personId: m.id, agencyId: m.agencyId }]);
    if (dob.size > 1) {
      out.push({ id: `date_of_birth:${seed}`, kind: 'date_of_birth', personId: seed, description: 'The entries give different dates of birth.', relationshipType: null, values: valuesOf(dob, agencyName), mark: null });
    }
    const postcodes = new Map<string, ValueHolder[]>();
    for (const m of members) {
      for (const pc of new Set((postcodesOf.get(m.id) ?? []).map((a) => normalisePostcode(a.postcode!)))) {
        postcodes.set(pc, [...(postcodes.get(pc) ?? []), { personId: m.id, agencyId: m.agencyId }]);
      }
    }
    if (postcodes.size > 1) {
      out.push({ id: `current_address:${seed}`, kind: 'current_address', personId: seed, description: 'The entries give different current addresses (postcodes).', relationshipType: null, values: valuesOf(postcodes, agencyName), mark: null });
    }
    // Relationships: only the viewer's own entries, and only entries that record any of these relationships.
    const own = members.filter((m) => m.agencyId === ctx.actor.agencyId);
    const ownIds = new Set(own.map((m) => m.id));
    const rels = reach.relationships.filter((r) => ownIds.has(r.person_id) && (HOUSEHOLD_TYPES as readonly string[]).includes(r.type));
    const recording = own.filter((m) => rels.some((r) => r.person_id === m.id));
    if (recording.length < 2) continue;
    for (const type of RELATION_ORDER) {
      const held = new Map<string, ValueHolder[]>();
      const sets = recording.map((m) => {
        const names = new Set(rels.filter((r) => r.person_id === m.id && r.type === type).map((r) => normaliseName(relatedNames.get(r.related_person_id) ?? '')));
        for (const n of names) held.set(n, [...(held.get(n) ?? []), { personId: m.id, agencyId: m.agencyId }]);
        return [...names].sort().join('|');
      });
      if (new Set(sets).size > 1) {
        const values = valuesOf(held, agencyName);
        // Say who records nobody of this kind, too: that is a difference as well.
        const none = recording.filter((_, i) => sets[i] === '');
        if (none.length) values.push({ value: '(nobody recorded)', heldBy: none.map((m) => ({ agencyId: m.agencyId, agencyName: agencyName.get(m.agencyId) ?? 'Unknown agency', personId: m.id })) });
        out.push({ id: `relationship:${type}:${seed}`, kind: 'relationship', personId: seed, description: `The entries name different people as ${type.replace(/_/g, ' ')}.`, relationshipType: type, values, mark: null });
      }
    }
  }
  return out;
}

interface MarkRow {
  id: string;
  record_id: string;
  contradicts_record_id: string;
  note: string;
  marked_by: string;
  marked_by_name: string;
  marked_by_agency_id: string;
  marked_at: string;
}

const SELECT_MARK = `
  SELECT c.id, c.record_id, c.contradicts_record_id, c.note, c.marked_by, p.name AS marked_by_name, p.agency_id AS marked_by_agency_id, c.marked_at
    FROM record_contradiction c JOIN practitioner p ON p.id = c.marked_by`;

/** A practitioner's note stays with their agency: another agency sees that a mark exists and whom to ask. */
function toMark(ctx: ActorContext, r: MarkRow, agencyName: ReadonlyMap<string, string>): ContradictionMark {
  const own = r.marked_by_agency_id === ctx.actor.agencyId;
  return {
    id: r.id,
    recordId: r.record_id,
    contradictsRecordId: r.contradicts_record_id,
    note: own ? r.note : null,
    markedByAgencyId: r.marked_by_agency_id,
    markedByAgencyName: agencyName.get(r.marked_by_agency_id) ?? 'Unknown agency',
    markedByName: own ? r.marked_by_name : null,
    markedAt: r.marked_at,
  };
}

async function build(ctx: ActorContext, tx: Queryable, personId: string, q: ChronologyQuery, auditAction: string, reachChecked = false): Promise<Built> {
  if (!reachChecked) await personInReach(ctx, tx, personId, 'read', auditAction);
  const now = ctx.clock.now();
  const today = londonDate(now);
  const reach = await loadReach(ctx, tx, personId, q.household, today);
  const people = [...reach.members.keys()];

  // The SQL narrows to candidates — the viewer's agency's records, or records named in its live
  // grants — and the policy decides on every row, with that record's grants only (loadReach's, read
  // by the grant's person, which is its record's). The granted records are found by the same people
  // (the grantee index): probed per record, the planner hashed every grant the agency has ever been
  // given, a cost that grew with the partnership rather than the child (issue 21). (A subquery rather
  // than a list of granted ids: thousands of identifiers cost more to send and parse.)
  const { rows } = await tx.query<RecordRow>(
    `${SELECT_RECORD} WHERE r.person_id = ANY($1::uuid[]) AND v.version = r.current_version
       AND (r.agency_id = $2 OR r.id IN (SELECT g.record_id FROM share_grant g WHERE g.grantee_agency_id = $2 AND g.person_id = ANY($1::uuid[])
                                          AND (g.grantee_practitioner_id IS NULL OR g.grantee_practitioner_id = $3) AND g.revoked_at IS NULL))
     ORDER BY v.occurred_at, r.created_at, r.id`,
    [people, ctx.actor.agencyId, ctx.actor.practitionerId],
  );
  const decided = rows.filter((r) => {
    const gs = reach.grantsByRecord.get(r.id) ?? [];
    return decideRecord(gs.length ? withGrants(ctx.actor, gs) : ctx.actor, 'read', facts(r), now).allowed;
  });

  const visible = visiblePeople(ctx, reach, now);
  // The names the entries show (people the viewer may see) and those the relationships compare, in one read.
  const names = await loadNames(tx, [...new Set([...visible, ...reach.relationships.flatMap((r) => [r.person_id, r.related_person_id])])]);
  const agencyName = await agencyNames(tx, [ctx.actor.agencyId, ...[...reach.members.values()].map((m) => m.member.agencyId), ...decided.map((r) => r.agency_id)]);

  // Marks of contradiction between two records the viewer may see: candidates by the people involved, decided here.
  const visibleIds = new Set(decided.map((r) => r.id));
  const marks = (await tx.query<MarkRow>(
    `${SELECT_MARK} JOIN agency_record r ON r.id = c.record_id WHERE r.person_id = ANY($1::uuid[]) ORDER BY c.marked_at, c.id`, [people])).rows
    .filter((m) => visibleIds.has(m.record_id) && visibleIds.has(m.contradicts_record_id));
  const markerAgencies = marks.map((m) => m.marked_by_agency_id).filter((id) => !agencyName.has(id));
  if (markerAgencies.length) for (const [id, name] of await agencyNames(tx, markerAgencies)) agencyName.set(id, name);
  const marksByRecord = new Map<string, string[]>();
  for (const m of marks) {
    for (const id of [m.record_id, m.contradicts_record_id]) marksByRecord.set(id, [...(marksByRecord.get(id) ?? []), m.id]);
  }

  const inFilter = (r: RecordRow): boolean => {
    if (q.category && !r.categories.includes(q.category)) return false;
    if (q.agencyId && r.agency_id !== q.agencyId) return false;
    if (q.from || q.to) {
      const day = londonDate(new Date(r.occurred_at));
      if (q.from && day < q.from) return false;
      if (q.to && day > q.to) return false;
    }
    return true;
  };
  const entries: ChronologyEntry[] = decided.filter(inFilter).map((r) => {
    const m = reach.members.get(r.person_id)!;
    // Added to the freshly shaped record rather than spread into a copy: copying thousands of wide objects showed up in the profile.
    return Object.assign(toRecord(ctx, r, reach.grantsByRecord.get(r.id) ?? [], now), {
      agencyName: agencyName.get(r.agency_id) ?? 'Unknown agency',
      about: { personId: r.person_id, name: visible.has(r.person_id) ? (names.byPerson.get(r.person_id) ?? null) : null, relation: m.relation },
      contradictionIds: marksByRecord.get(r.id) ?? [],
    });
  });

  const contradictions: Contradiction[] = [
    ...await derivedContradictions(ctx, tx, reach, visible, today, agencyName, now, names.byPerson),
    ...marks.map((m): Contradiction => ({
      id: m.id,
      kind: 'marked',
      personId: reach.members.get(decided.find((r) => r.id === m.record_id)!.person_id)!.member.seed,
      description: 'A practitioner has marked these records as contradicting each other.',
      relationshipType: null,
      values: [],
      mark: toMark(ctx, m, agencyName),
    })),
  ];
  return {
    chronology: {
      personId,
      generatedAt: now.toISOString(),
      viewerAgencyId: ctx.actor.agencyId,
      viewerAgencyName: agencyName.get(ctx.actor.agencyId) ?? 'Unknown agency',
      household: q.household,
      entries,
      contradictions,
    },
    visibleCount: decided.length,
    subjectName: visible.has(personId) ? (names.byPerson.get(personId) ?? null) : null,
  };
}

type Format = 'json' | 'csv' | 'html';

async function builtAndAudited(ctx: ActorContext, tx: Queryable, personId: string, q: ChronologyQuery, format: Format, reachChecked = false): Promise<Built> {
  const built = await build(ctx, tx, personId, q, 'chronology.read', reachChecked);
  const { chronology, visibleCount } = built;
  const filtered = Boolean(q.category || q.agencyId || q.from || q.to);
  await audit(ctx, tx, {
    action: 'chronology.read', outcome: 'success', entityType: 'person', entityId: personId, personId,
    detail: { format, household: q.household, filtered, entries: chronology.entries.length, visible: visibleCount, contradictions: chronology.contradictions.length },
  });
  return built;
}

async function chronologyAs(ctx: ActorContext, personId: string, q: ChronologyQuery, format: Format): Promise<Chronology> {
  return command(ctx, async (tx) => (await builtAndAudited(ctx, tx, personId, q, format)).chronology);
}

/**
 * The chronology page's answer: whom it is about (their name for the heading) and their chronology,
 * in one transaction. Read and audited as the page read them before, by getPerson then
 * getChronology (a person.read entry, refused as getPerson refuses, then a chronology.read entry),
 * without the second transaction, the second reach check or a read of the whole person.
 */
export async function getChronologyPage(ctx: ActorContext, personId: string, q: ChronologyQuery): Promise<{ subject: { id: string; name: string | null }; chronology: Chronology }> {
  return command(ctx, async (tx) => {
    const { id } = await personInReach(ctx, tx, personId, 'read', 'person.read');
    await audit(ctx, tx, { action: 'person.read', outcome: 'success', entityType: 'person', entityId: personId, personId });
    const { subjectName, chronology } = await builtAndAudited(ctx, tx, personId, q, 'json', true);
    return { subject: { id, name: subjectName }, chronology };
  });
}

/**
 * The child's multi-agency chronology (what-to-do-if-worried 10.10, 45.3): every record the viewer
 * may see across the child's linked entries (and, if asked, their household's), in the order
 * things happened, with what the entries contradict each other about.
 */
export function getChronology(ctx: ActorContext, personId: string, q: ChronologyQuery): Promise<Chronology> {
  return chronologyAs(ctx, personId, q, 'json');
}

/** The same chronology as CSV: one row per entry, exactly the entries of the JSON. */
export async function getChronologyCsv(ctx: ActorContext, personId: string, q: ChronologyQuery): Promise<string> {
  return chronologyCsv(await chronologyAs(ctx, personId, q, 'csv'));
}

/** The same chronology as a printable page for a conference. */
export async function getChronologyPrint(ctx: ActorContext, personId: string, q: ChronologyQuery): Promise<string> {
  return chronologyHtml(await chronologyAs(ctx, personId, q, 'html'));
}

/**
 * Who else is involved with this person and how to reach them — "don't assume you all have the
 * same information". The agencies holding linked entries, and those that shared records about
 * them with the viewer; their contact details and current lead worker; never their records.
 */
export async function getAgenciesInvolved(ctx: ActorContext, personId: string): Promise<AgenciesInvolved> {
  return command(ctx, async (tx) => {
    const facts = await personInReach(ctx, tx, personId, 'read', 'person.agencies-involved');
    const now = ctx.clock.now();
    const today = londonDate(now);
    // The person's same-person cluster: the request's walk of their links (a page's other services
    // follow the same one), the person first. The same entries as clustersOf([personId]).
    const cluster = [{ id: personId, agencyId: facts.agency_id }, ...(await linkedEntries(tx, personId, ctx.reads)).map((e) => ({ id: e.personId, agencyId: e.agencyId }))];
    const ids = cluster.map((m) => m.id);
    const grants = liveGrants(await grantsAbout(tx, ctx.actor, cluster.filter((m) => m.agencyId !== ctx.actor.agencyId).map((m) => m.id)), now);
    const sharedBy = new Map<string, Set<string>>();
    for (const g of grants) sharedBy.set(g.sharedByAgencyId, (sharedBy.get(g.sharedByAgencyId) ?? new Set()).add(g.recordId));
    const holders = new Set(cluster.map((m) => m.agencyId));
    const agencyIds = [...new Set([...holders, ...sharedBy.keys()])];
    // The agencies, their lead workers and the links between the entries in one statement (three
    // round trips before, issue 21). Each agency's lead worker for its own entry: the current one,
    // the latest to start if several. A link's time as the driver gives a timestamp (ISO, milliseconds, UTC).
    const read = (await tx.query<{
      agencies: { id: string; name: string; type: string; contact_phone: string | null; contact_email: string | null; out_of_hours_phone: string | null }[] | null;
      leads: { person_id: string; practitioner_id: string; name: string; phone: string | null; email: string; agency_id: string; valid_from: string; valid_to: string | null }[] | null;
      links: { id: string; person_id: string; other_person_id: string; person_agency_id: string; other_agency_id: string; decided_at: string; decided_by_agency_id: string }[] | null;
    }>(
      `SELECT (SELECT json_agg(json_build_object('id', a.id, 'name', a.name, 'type', a.type, 'contact_phone', a.contact_phone, 'contact_email', a.contact_email,
                                                 'out_of_hours_phone', a.out_of_hours_phone))
                 FROM agency a WHERE a.id = ANY($1::uuid[])) AS agencies,
              (SELECT json_agg(json_build_object('person_id', l.person_id, 'practitioner_id', l.practitioner_id, 'name', pr.name, 'phone', pr.phone, 'email', pr.email,
                                                 'agency_id', pr.agency_id, 'valid_from', l.valid_from, 'valid_to', l.valid_to) ORDER BY l.valid_from DESC, l.created_at DESC)
                 FROM lead_worker l JOIN practitioner pr ON pr.id = l.practitioner_id JOIN person p ON p.id = l.person_id
                WHERE l.person_id = ANY($2::uuid[]) AND pr.agency_id = p.agency_id) AS leads,
              (SELECT json_agg(json_build_object('id', l.id, 'person_id', l.person_id, 'other_person_id', l.other_person_id, 'person_agency_id', p.agency_id,
                                                 'other_agency_id', o.agency_id, 'decided_at', to_char(l.decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                                                 'decided_by_agency_id', d.agency_id) ORDER BY l.decided_at, l.id)
                 FROM person_link l JOIN person p ON p.id = l.person_id JOIN person o ON o.id = l.other_person_id JOIN practitioner d ON d.id = l.decided_by
                WHERE l.unlinked_at IS NULL AND l.person_id = ANY($2::uuid[]) AND l.other_person_id = ANY($2::uuid[])) AS links`,
      [agencyIds, ids])).rows[0]!;
    const agencies = read.agencies ?? [];
    const leads = (read.leads ?? []).filter((l) => currentOn(today, l.valid_from, l.valid_to));
    const links = read.links ?? [];
    const result: AgencyInvolved[] = agencies.map((a) => {
      const lead = leads.find((l) => l.agency_id === a.id);
      return {
        agencyId: a.id,
        name: a.name,
        type: a.type,
        contactPhone: a.contact_phone,
        contactEmail: a.contact_email,
        outOfHoursPhone: a.out_of_hours_phone,
        leadWorker: lead ? { practitionerId: lead.practitioner_id, name: lead.name, phone: lead.phone, email: lead.email } : null,
        yourAgency: a.id === ctx.actor.agencyId,
        holdsEntry: holders.has(a.id),
        recordsSharedWithYou: sharedBy.get(a.id)?.size ?? 0,
      };
    }).sort((x, y) => Number(y.yourAgency) - Number(x.yourAgency) || x.name.localeCompare(y.name));
    await audit(ctx, tx, { action: 'person.agencies-involved', outcome: 'success', entityType: 'person', entityId: personId, personId, detail: { agencies: result.length, entries: ids.length } });
    return {
      personId,
      agencies: result,
      // Another agency's id for its entry is never shown, even once linked (issue 16): the link's id is enough to undo it.
      links: links.map((l) => ({
        id: l.id,
        personId: l.person_agency_id === ctx.actor.agencyId ? l.person_id : null,
        otherPersonId: l.other_agency_id === ctx.actor.agencyId ? l.other_person_id : null,
        personAgencyId: l.person_agency_id, otherPersonAgencyId: l.other_agency_id, decidedAt: l.decided_at, decidedByAgencyId: l.decided_by_agency_id,
      })),
    };
  });
}

/**
 * A practitioner marks one record as contradicting another, for the conference chair to resolve
 * (45.3). They must be able to read both; the same two records are marked once.
 */
export async function markContradiction(ctx: ActorContext, recordId: string, contradictsRecordId: string, note: string): Promise<ContradictionMark> {
  const what = NewContradictionMark.shape.note.safeParse(note);
  if (!what.success) throw invalid('Say what contradicts what.', [{ pointer: '/note', detail: what.error.issues[0]!.message }]);
  if (contradictsRecordId === recordId) {
    throw invalid('A record cannot contradict itself.', [{ pointer: '/contradictsRecordId', detail: 'Choose a different record' }]);
  }
  return command(ctx, async (tx) => {
    const ids = [recordId, contradictsRecordId];
    const { rows } = await tx.query<RecordRow>(`${SELECT_RECORD} WHERE r.id = ANY($1::uuid[]) AND v.version = r.current_version`, [ids]);
    const grants = await grantsFor(tx, ctx.actor, { recordIds: rows.filter((r) => r.agency_id !== ctx.actor.agencyId).map((r) => r.id) });
    const actor = withGrants(ctx.actor, grants);
    const now = ctx.clock.now();
    for (const id of ids) {
      const row = rows.find((r) => r.id === id);
      if (!row) throw refuse('record', { action: 'record.contradiction-mark', entityType: 'record', entityId: id, outcome: 'not_found' });
      if (!decideRecord(actor, 'read', facts(row), now).allowed) {
        throw refuse('record', { action: 'record.contradiction-mark', entityType: 'record', entityId: id, personId: row.person_id });
      }
    }
    // One mark per pair, whichever way round: lock the pair's records so two marks cannot race.
    await tx.query('SELECT id FROM agency_record WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [ids]);
    const existing = await tx.query(
      `SELECT 1 FROM record_contradiction WHERE (record_id = $1 AND contradicts_record_id = $2) OR (record_id = $2 AND contradicts_record_id = $1)`, ids);
    if (existing.rowCount > 0) throw conflict('These records are already marked as contradicting each other.');
    const id = newId();
    await tx.query(
      'INSERT INTO record_contradiction (id, record_id, contradicts_record_id, note, marked_by, marked_at) VALUES ($1,$2,$3,$4,$5,$6)',
      [id, recordId, contradictsRecordId, what.data, ctx.actor.practitionerId, now.toISOString()],
    );
    const personId = rows.find((r) => r.id === recordId)!.person_id;
    await audit(ctx, tx, { action: 'record.contradiction-mark', outcome: 'success', entityType: 'record_contradiction', entityId: id, personId, detail: { recordId, contradictsRecordId: contradictsRecordId } });
    const row = (await tx.query<MarkRow>(`${SELECT_MARK} WHERE c.id = $1`, [id])).rows[0]!;
    return toMark(ctx, row, await agencyNames(tx, [row.marked_by_agency_id]));
  });
}
