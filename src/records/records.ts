import { decidePerson, decideRecord, type RecordAction, type RecordFacts } from '../access/policy.ts';
import { audit, auditArguments, command, refuse } from '../audit/audit.ts';
import type { AuditEntry } from '../audit/audit.ts';
import { AUDIT_COLUMNS, toAuditEntry } from '../audit/audit.ts';
import { personInReach } from '../people/people.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { conflict, invalid } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { z } from 'zod';
import { keysetPage, type Page, type PageRequest } from '../shared/pagination.ts';
import { grantsFor, liveGrants, withGrants, type GrantInfo } from '../sharing/grants.ts';
import { RECORD_PARTS, type RecordPart } from '../sharing/schemas.ts';
import { raiseLeadAlertInTx, type LeadAlertSetting } from './lead-alerts.ts';
import type { AgencyRecord, Correction, NewRecord, Restriction } from './schemas.ts';

const BACKDATED_AFTER_MS = 24 * 3_600_000;
const ALL_PARTS: ReadonlySet<RecordPart> = new Set(RECORD_PARTS);
const NO_PARTS: ReadonlySet<RecordPart> = new Set();
const NO_GRANTS: readonly GrantInfo[] = [];
/** The parts one grant's list allows, built once per list: the grants of one decision share their lists. */
const partSets = new WeakMap<readonly RecordPart[], ReadonlySet<RecordPart>>();
function partsOf(live: readonly GrantInfo[]): ReadonlySet<RecordPart> {
  if (live.length === 0) return NO_PARTS;
  if (live.length > 1) return new Set(live.flatMap((g) => g.parts));
  const list = live[0]!.parts;
  let set = partSets.get(list);
  if (!set) partSets.set(list, (set = new Set(list)));
  return set;
}
const FUTURE_TOLERANCE_MS = 5 * 60_000;

export interface RecordRow {
  id: string;
  person_id: string;
  agency_id: string;
  restricted: boolean;
  created_by: string;
  created_at: string;
  named: string[] | null;
  version: number;
  kind: AgencyRecord['kind'];
  occurred_at: string;
  recorded_at: string;
  author_id: string;
  author_name: string;
  categories: AgencyRecord['categories'];
  fact_or_opinion: AgencyRecord['factOrOpinion'];
  reported_or_witnessed: AgencyRecord['reportedOrWitnessed'];
  source: { type: AgencyRecord['source']['type']; description?: string; identityProtected: boolean };
  confidential: boolean;
  sensitive_categories: AgencyRecord['sensitiveCategories'];
  summary: string;
  details: string | null;
  childs_words: string | null;
  outcome: string | null;
  correction_reason: string | null;
}

// One query shape for every read, so the access facts always travel with the content.
export const SELECT_RECORD = `
  SELECT r.id, r.person_id, r.agency_id, r.restricted, r.created_by, r.created_at,
         CASE WHEN r.restricted THEN (SELECT array_agg(n.practitioner_id) FROM record_named_practitioner n WHERE n.record_id = r.id) END AS named,
         v.version, v.kind, v.occurred_at, v.recorded_at, v.author_id, a.name AS author_name, v.categories, v.fact_or_opinion,
         v.reported_or_witnessed, v.source, v.confidential, v.sensitive_categories, v.summary, v.details, v.childs_words,
         v.outcome, v.correction_reason
    FROM agency_record r
    JOIN agency_record_version v ON v.record_id = r.id
    JOIN practitioner a ON a.id = v.author_id`;

export const facts = (r: RecordRow): RecordFacts => ({
  id: r.id,
  agencyId: r.agency_id,
  restricted: r.restricted,
  createdBy: r.created_by,
  namedPractitionerIds: r.named ?? [],
});

/**
 * Shapes a row for the reader. Another agency's reader sees it through a share: only the parts
 * the decision covered, with who shared it, when, why, on what basis and whether it may be passed on.
 */
export function toRecord(ctx: ActorContext, r: RecordRow, grants: readonly GrantInfo[] = [], now: Date = ctx.clock.now()): AgencyRecord {
  const own = r.agency_id === ctx.actor.agencyId;
  // Own records need no grant work at all; a chronology shapes thousands of them in one read.
  const live = own || grants.length === 0 ? NO_GRANTS : liveGrants(grants.length === 1 && grants[0]!.recordId === r.id ? grants : grants.filter((g) => g.recordId === r.id), now);
  const parts = own ? ALL_PARTS : partsOf(live);
  const via = live[0];
  // A protected source is named only to the author and the holding agency's safeguarding lead (12.5).
  const seesSource = parts.has('source') && (!r.source.identityProtected || r.author_id === ctx.actor.practitionerId ||
    (own && ctx.actor.roles.includes('safeguarding_lead')));
  return {
    id: r.id,
    personId: r.person_id,
    agencyId: r.agency_id,
    version: r.version,
    restricted: r.restricted,
    kind: r.kind,
    occurredAt: r.occurred_at,
    recordedAt: r.recorded_at,
    backdated: Date.parse(r.recorded_at) - Date.parse(r.occurred_at) > BACKDATED_AFTER_MS,
    authorId: r.author_id,
    authorName: r.author_name,
    categories: r.categories,
    factOrOpinion: r.fact_or_opinion,
    reportedOrWitnessed: r.reported_or_witnessed,
    source: { type: r.source.type, description: seesSource ? (r.source.description ?? null) : null, identityProtected: r.source.identityProtected },
    confidential: r.confidential,
    sensitiveCategories: r.sensitive_categories,
    summary: parts.has('summary') ? r.summary : '',
    details: parts.has('details') ? r.details : null,
    childsWords: parts.has('childs_words') ? r.childs_words : null,
    outcome: r.outcome,
    correctionReason: own ? r.correction_reason : null,
    firstRecordedAt: r.created_at,
    sharedParts: own ? [...RECORD_PARTS] : [...parts],
    share: via
      ? {
          decisionId: via.decisionId,
          sharedByAgencyId: via.sharedByAgencyId,
          sharedByAgencyName: via.sharedByAgencyName,
          sharedByName: via.sharedByName,
          sharedAt: via.sharedAt,
          purpose: via.purpose,
          legalBasis: via.legalBasis,
          onwardSharing: via.onwardSharing,
          onwardConditions: via.onwardConditions,
          validUntil: via.validUntil,
        }
      : null,
  };
}

function notInFuture(ctx: ActorContext, occurredAt: string): void {
  if (new Date(occurredAt).getTime() > ctx.clock.now().getTime() + FUTURE_TOLERANCE_MS) {
    throw invalid('A record cannot describe something that has not happened yet.', [{ pointer: '/occurredAt', detail: 'This date is in the future' }]);
  }
}

async function checkNamedPractitioners(ctx: ActorContext, tx: Tx, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const { rows } = await tx.query<{ id: string }>('SELECT id FROM practitioner WHERE id = ANY($1::uuid[]) AND agency_id = $2', [ids, ctx.actor.agencyId]);
  const known = new Set(rows.map((r) => r.id));
  const errors = ids.flatMap((id, i) => (known.has(id) ? [] : [{ pointer: `/namedPractitionerIds/${i}`, detail: 'No practitioner in your agency with that identifier' }]));
  if (errors.length) throw invalid('Only practitioners in your own agency can be named on a restricted record.', errors);
}

type VersionRow = Omit<RecordRow, 'id' | 'person_id' | 'agency_id' | 'restricted' | 'created_by' | 'created_at' | 'named'>;

/** Inserts a version and returns it as stored, with the author's name, exactly as SELECT_RECORD would read it. */
async function insertVersion(tx: Tx, recordId: string, version: number, authorId: string, recordedAt: string, c: Omit<NewRecord, 'tellLead'> & { correctionReason?: string | null }): Promise<VersionRow> {
  const { rows } = await tx.query<VersionRow>(
    `INSERT INTO agency_record_version (record_id, version, kind, occurred_at, recorded_at, author_id, categories, fact_or_opinion,
       reported_or_witnessed, source, confidential, sensitive_categories, summary, details, childs_words, outcome, correction_reason)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)
     RETURNING version, kind, occurred_at, recorded_at, author_id, (SELECT a.name FROM practitioner a WHERE a.id = author_id) AS author_name,
       categories, fact_or_opinion, reported_or_witnessed, source, confidential, sensitive_categories, summary, details, childs_words,
       outcome, correction_reason`,
    [recordId, version, c.kind, c.occurredAt, recordedAt, authorId, c.categories, c.factOrOpinion, c.reportedOrWitnessed,
      JSON.stringify(c.source), c.confidential, c.sensitiveCategories, c.summary, c.details ?? null, c.childsWords ?? null,
      c.outcome ?? null, c.correctionReason ?? null],
  );
  return rows[0]!;
}

/**
 * An agency records what it knows about a person in its own index.
 *
 * One call (jigsaw_add_record, db/migrations/004_add_record.sql) reads the person's agency, writes
 * the record, its first version and the audit entry; the access policy then decides on the facts
 * it returned, and a refusal rolls the whole transaction back, so nothing is written that the
 * policy would not allow. One round trip instead of five: see docs/performance.md.
 */
export async function addRecord(ctx: ActorContext, personId: string, input: NewRecord): Promise<AgencyRecord> {
  notInFuture(ctx, input.occurredAt);
  return command(ctx, async (tx) => {
    const id = newId();
    const at = ctx.clock.now();
    const now = at.toISOString();
    const a = ctx.actor;
    const auditArgs = auditArguments({ actor: a, purpose: ctx.purpose, requestId: ctx.requestId, at }, { action: 'record.create', outcome: 'success', entityType: 'record', entityId: id, personId });
    // With the agency's lead-alert setting, which raiseLeadAlertInTx decides on (one round trip fewer per record).
    const facts = (await tx.query<{ person_agency_id: string; author_name: string; lead_alert_setting: LeadAlertSetting | null }>(
      `SELECT r.*, (SELECT json_build_object('kinds', s.kinds, 'categories', s.categories) FROM lead_alert_setting s WHERE s.agency_id = $3) AS lead_alert_setting
         FROM jigsaw_add_record(${Array.from({ length: 31 }, (_, i) => `$${i + 1}`).join(',')}) r`,
      [personId, id, a.agencyId, input.restricted, a.practitionerId, now, input.kind, input.occurredAt, input.categories, input.factOrOpinion,
        input.reportedOrWitnessed, JSON.stringify(input.source), input.confidential, input.sensitiveCategories, input.summary,
        input.details ?? null, input.childsWords ?? null, input.outcome ?? null, ...auditArgs],
    )).rows[0];
    if (!facts) throw refuse('person', { action: 'record.create', entityType: 'person', entityId: personId, outcome: 'not_found' });
    if (!decidePerson(a, 'add-record', { id: personId, agencyId: facts.person_agency_id }).allowed || facts.person_agency_id !== a.agencyId) {
      throw refuse('person', { action: 'record.create', entityType: 'person', entityId: personId, personId });
    }
    const named = [...new Set(input.namedPractitionerIds)];
    if (named.length) {
      await checkNamedPractitioners(ctx, tx, named);
      for (const p of named) await tx.query('INSERT INTO record_named_practitioner (record_id, practitioner_id) VALUES ($1,$2)', [id, p]);
    }
    // The row exactly as SELECT_RECORD would read it back (timestamps normalised the same way).
    const row: RecordRow = {
      id, person_id: personId, agency_id: a.agencyId, restricted: input.restricted, created_by: a.practitionerId, created_at: now,
      named: input.restricted && named.length ? named : null, version: 1, kind: input.kind, occurred_at: new Date(input.occurredAt).toISOString(),
      recorded_at: now, author_id: a.practitionerId, author_name: facts.author_name, categories: input.categories,
      fact_or_opinion: input.factOrOpinion, reported_or_witnessed: input.reportedOrWitnessed, source: input.source, confidential: input.confidential,
      sensitive_categories: input.sensitiveCategories, summary: input.summary, details: input.details ?? null, childs_words: input.childsWords ?? null,
      outcome: input.outcome ?? null, correction_reason: null,
    };
    const record = decideAndShape(ctx, row, 'read', 'record.create');
    return { ...record, leadAlerted: await raiseLeadAlertInTx(ctx, tx, row, input.tellLead, facts.lead_alert_setting) };
  });
}

async function readCurrent(ctx: ActorContext, tx: Tx, id: string, action: RecordAction, auditAction: string): Promise<AgencyRecord> {
  const row = (await tx.query<RecordRow>(`${SELECT_RECORD} WHERE r.id = $1 AND v.version = r.current_version`, [id])).rows[0];
  // As for people (personInReach): another agency's record and an id that names nothing take the same queries.
  const grants = row?.agency_id === ctx.actor.agencyId ? [] : await grantsFor(tx, ctx.actor, { recordIds: [id] });
  if (!row) throw refuse('record', { action: auditAction, entityType: 'record', entityId: id, outcome: 'not_found' });
  return decideAndShape(ctx, row, action, auditAction, grants);
}

function decideAndShape(ctx: ActorContext, row: RecordRow, action: RecordAction, auditAction: string, grants: readonly GrantInfo[] = []): AgencyRecord {
  if (!decideRecord(withGrants(ctx.actor, grants), action, facts(row), ctx.clock.now()).allowed) {
    throw refuse('record', { action: auditAction, entityType: 'record', entityId: row.id, personId: row.person_id });
  }
  return toRecord(ctx, row, grants);
}

export async function getRecord(ctx: ActorContext, id: string): Promise<AgencyRecord> {
  return command(ctx, async (tx) => {
    const record = await readCurrent(ctx, tx, id, 'read', 'record.read');
    await audit(ctx, tx, { action: 'record.read', outcome: 'success', entityType: 'record', entityId: id, personId: record.personId });
    return record;
  });
}

/** Every version, oldest first: what the record said, when, and why it changed. */
export async function getRecordHistory(ctx: ActorContext, id: string): Promise<AgencyRecord[]> {
  return command(ctx, async (tx) => {
    const current = await readCurrent(ctx, tx, id, 'read', 'record.history');
    await audit(ctx, tx, { action: 'record.history', outcome: 'success', entityType: 'record', entityId: id, personId: current.personId });
    // A recipient sees the record as it is now; earlier versions stay with the holding agency.
    if (current.agencyId !== ctx.actor.agencyId) return [current];
    const { rows } = await tx.query<RecordRow>(`${SELECT_RECORD} WHERE r.id = $1 ORDER BY v.version`, [id]);
    return rows.map((r) => toRecord(ctx, r));
  });
}

/**
 * All of a person's records the caller may read, oldest occurrence first. The SQL narrows to
 * candidates (the caller's agency, or records named in the caller's live grants); the policy
 * decides on every row.
 */
export async function listPersonRecords(ctx: ActorContext, personId: string): Promise<AgencyRecord[]> {
  return command(ctx, async (tx) => {
    const person = await personInReach(ctx, tx, personId, 'read', 'record.list');
    const now = ctx.clock.now();
    const granted = liveGrants(person.grants, now).map((g) => g.recordId);
    const { rows } = await tx.query<RecordRow>(
      `${SELECT_RECORD} WHERE r.person_id = $1 AND v.version = r.current_version AND (r.agency_id = $2 OR r.id = ANY($3::uuid[]))
       ORDER BY v.occurred_at, r.created_at`,
      [personId, ctx.actor.agencyId, granted],
    );
    const actor = withGrants(ctx.actor, person.grants);
    const visible = rows.filter((r) => decideRecord(actor, 'read', facts(r), now).allowed);
    await audit(ctx, tx, { action: 'record.list', outcome: 'success', entityType: 'person', entityId: personId, personId, detail: { count: visible.length } });
    return visible.map((r) => toRecord(ctx, r, person.grants));
  });
}

/** A correction is a new version; the earlier ones stay and are shown in the history. */
export async function correctRecord(ctx: ActorContext, id: string, input: Correction): Promise<AgencyRecord> {
  if (input.occurredAt) notInFuture(ctx, input.occurredAt);
  return command(ctx, async (tx) => {
    const current = await readCurrent(ctx, tx, id, 'correct', 'record.correct');
    // Lock the record so two corrections of the same version cannot both succeed.
    const locked = (await tx.query<{ current_version: number }>('SELECT current_version FROM agency_record WHERE id = $1 FOR UPDATE', [id])).rows[0]!;
    if (locked.current_version !== input.baseVersion) {
      throw conflict(`This record has changed since version ${input.baseVersion}; it is now at version ${locked.current_version}. Read it again before correcting.`);
    }
    const next: Omit<NewRecord, 'tellLead'> & { correctionReason: string } = {
      kind: input.kind ?? current.kind,
      occurredAt: input.occurredAt ?? current.occurredAt,
      categories: input.categories ?? current.categories,
      factOrOpinion: input.factOrOpinion ?? current.factOrOpinion,
      reportedOrWitnessed: input.reportedOrWitnessed ?? current.reportedOrWitnessed,
      source: input.source ?? { type: current.source.type, description: current.source.description ?? undefined, identityProtected: current.source.identityProtected },
      confidential: input.confidential ?? current.confidential,
      sensitiveCategories: input.sensitiveCategories ?? current.sensitiveCategories,
      summary: input.summary ?? current.summary,
      details: input.details ?? current.details ?? undefined,
      childsWords: input.childsWords ?? current.childsWords ?? undefined,
      outcome: input.outcome ?? current.outcome ?? undefined,
      restricted: current.restricted,
      namedPractitionerIds: [],
      correctionReason: input.correctionReason,
    };
    if (input.source === undefined && current.source.identityProtected && current.source.description === null) {
      // The corrector cannot see the protected source; keep it as it was.
      const raw = (await tx.query<{ source: NewRecord['source'] }>('SELECT source FROM agency_record_version WHERE record_id = $1 AND version = $2', [id, current.version])).rows[0]!;
      next.source = raw.source;
    }
    const version = current.version + 1;
    await insertVersion(tx, id, version, ctx.actor.practitionerId, ctx.clock.now().toISOString(), next);
    await tx.query('UPDATE agency_record SET current_version = $2 WHERE id = $1', [id, version]);
    await audit(ctx, tx, { action: 'record.correct', outcome: 'success', entityType: 'record', entityId: id, personId: current.personId, detail: { version } });
    return readCurrent(ctx, tx, id, 'read', 'record.correct');
  });
}

export async function setRestriction(ctx: ActorContext, id: string, input: Restriction): Promise<AgencyRecord> {
  return command(ctx, async (tx) => {
    const current = await readCurrent(ctx, tx, id, 'restrict', 'record.restrict');
    await checkNamedPractitioners(ctx, tx, input.namedPractitionerIds);
    await tx.query('UPDATE agency_record SET restricted = $2 WHERE id = $1', [id, input.restricted]);
    await tx.query('DELETE FROM record_named_practitioner WHERE record_id = $1', [id]);
    for (const p of new Set(input.namedPractitionerIds)) await tx.query('INSERT INTO record_named_practitioner (record_id, practitioner_id) VALUES ($1,$2)', [id, p]);
    await audit(ctx, tx, { action: 'record.restrict', outcome: 'success', entityType: 'record', entityId: id, personId: current.personId, detail: { restricted: input.restricted, named: input.namedPractitionerIds.length } });
    return readCurrent(ctx, tx, id, 'read', 'record.restrict');
  });
}

export interface RecordAccess {
  at: string;
  practitionerId: string | null;
  practitionerName: string | null;
  agencyId: string | null;
  action: string;
  outcome: string;
  purpose: string | null;
}

/** Who has viewed or changed this record, from the audit trail; for the holding agency. */
export async function getRecordAccessHistory(ctx: ActorContext, id: string): Promise<RecordAccess[]> {
  return (await getRecordAccessHistoryPage(ctx, id, { limit: 100_000 })).items;
}

/** The access history's keyset: the audit entry's sequence number, oldest first. */
export const RecordAccessKey = z.tuple([z.number().int().min(0)]);
export type RecordAccessKey = z.infer<typeof RecordAccessKey>;

/** One page of who viewed or changed a record, oldest first, in audit-trail order. */
export async function getRecordAccessHistoryPage(ctx: ActorContext, id: string, req: PageRequest<RecordAccessKey>): Promise<Page<RecordAccess>> {
  return command(ctx, async (tx) => {
    const row = (await tx.query<RecordRow>(`${SELECT_RECORD} WHERE r.id = $1 AND v.version = r.current_version`, [id])).rows[0];
    if (!row) throw refuse('record', { action: 'record.access-history', entityType: 'record', entityId: id, outcome: 'not_found' });
    if (!decideRecord(ctx.actor, 'read-access-history', facts(row), ctx.clock.now()).allowed) {
      throw refuse('record', { action: 'record.access-history', entityType: 'record', entityId: id, personId: row.person_id });
    }
    const { rows, nextCursor } = await keysetPage('records.access-history', req, async (after, n) => (await tx.query<Parameters<typeof toAuditEntry>[0] & { practitioner_name: string | null }>(
      `SELECT ${AUDIT_COLUMNS.split(', ').map((c) => `e.${c}`).join(', ')}, p.name AS practitioner_name
         FROM audit_event e LEFT JOIN practitioner p ON p.id = e.actor_practitioner_id
        WHERE e.entity_id = $1 AND e.entity_type = 'record' AND ($2::bigint IS NULL OR e.seq > $2) ORDER BY e.seq LIMIT $3`,
      [id, after?.[0] ?? null, n],
    )).rows, (r): RecordAccessKey => [toAuditEntry(r).seq]);
    await audit(ctx, tx, { action: 'record.access-history', outcome: 'success', entityType: 'record', entityId: id, personId: row.person_id });
    return {
      items: rows.map((r) => {
        const e: AuditEntry = toAuditEntry(r);
        return { at: e.at, practitionerId: e.actorPractitionerId, practitionerName: r.practitioner_name, agencyId: e.actorAgencyId, action: e.action, outcome: e.outcome, purpose: e.purpose };
      }),
      nextCursor,
    };
  });
}
