import { z } from 'zod';
import { decideAgency } from '../access/policy.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { invalid } from '../shared/errors.ts';
import { CalendarDate, Text, Uuid } from '../shared/schemas.ts';
import { actionWords, OUTCOME_WORDS } from './actions.ts';
import { audit, command, refuse } from './audit.ts';

/**
 * An agency's audit trail as its auditors read it: the entries its own practitioners made, and
 * the entries anyone made about the agency's own people and records (another agency's practitioner
 * reading a record the agency shared, say). Every read of it is itself an entry.
 */

export const OUTCOMES = ['success', 'denied', 'not_found', 'failure'] as const;

/** How many entries a page of the trail holds. */
export const TRAIL_PAGE = 50;

export const TrailQuery = z
  .strictObject({
    practitionerId: Uuid.optional().meta({ description: 'Only entries made by this practitioner.' }),
    personId: Uuid.optional().meta({ description: "Only entries about this person: an entry in your agency's own index." }),
    action: Text.regex(/^[a-z][a-z0-9._-]{0,79}$/, 'Choose an action from the list').optional().meta({ description: 'Only entries of this action, e.g. record.read.' }),
    outcome: z.enum(OUTCOMES, 'Choose an outcome from the list').optional(),
    from: CalendarDate.optional().meta({ description: 'First day (London), inclusive.' }),
    to: CalendarDate.optional().meta({ description: 'Last day (London), inclusive.' }),
    before: z.coerce.number({ error: 'Give an entry number' }).int('Give an entry number').min(1, 'Give an entry number').max(Number.MAX_SAFE_INTEGER, 'Give an entry number').optional()
      .meta({ description: 'Entries numbered below this one: the next page is `before` = the last entry number of this one.' }),
    limit: z.coerce.number({ error: 'Give a whole number from 1 to 1000' }).int('Give a whole number from 1 to 1000').min(1, 'Give a whole number from 1 to 1000').max(1000, 'Give a whole number from 1 to 1000').optional()
      .meta({ description: `How many entries: ${TRAIL_PAGE} unless you say, at most 1000.` }),
  })
  // Compared only when both are real dates: a bad date is reported once, on its own field.
  .refine((q) => !(q.from && q.to && CalendarDate.safeParse(q.from).success && CalendarDate.safeParse(q.to).success) || q.from <= q.to, {
    path: ['to'], message: 'The last day must be the same as or after the first day',
  });
export type TrailQuery = z.output<typeof TrailQuery>;

const About = z.object({
  kind: z.enum(['own-person', 'elsewhere', 'item', 'none']).meta({ description: "own-person: a person in your agency's index (named); elsewhere: a record or person another agency holds; item: something else, by type and id." }),
  personId: Uuid.nullable(),
  name: z.string().nullable().meta({ description: "The person's usual name, only for own-person." }),
  entityType: z.string().nullable(),
  entityId: Uuid.nullable(),
  text: z.string().meta({ description: 'What the entry was about, in words, as the pages show it.' }),
});

export const TrailEntry = z
  .object({
    seq: z.number().int().meta({ description: "The entry's number in the whole deployment's trail." }),
    at: z.string(),
    practitionerId: Uuid.nullable(),
    practitionerName: z.string().nullable(),
    agencyId: Uuid.nullable(),
    agencyName: z.string().nullable(),
    action: z.string(),
    actionText: z.string(),
    outcome: z.enum(OUTCOMES),
    outcomeText: z.string(),
    purpose: z.string().nullable(),
    about: About,
  })
  .meta({ id: 'AuditTrailEntry' });
export type TrailEntry = z.infer<typeof TrailEntry>;

export const TrailPage = z
  .object({
    items: z.array(TrailEntry),
    nextBefore: z.number().int().nullable().meta({ description: 'Pass as `before` for the next (older) page; null on the last.' }),
  })
  .meta({ id: 'AuditTrailPage' });
export type TrailPage = z.infer<typeof TrailPage>;

/** The auditor (or administrator) of the actor's own agency: anyone else is answered as if there were nothing. */
export function mustReadAudit(ctx: ActorContext, action: string, extra: { personId?: string } = {}): void {
  if (!decideAgency(ctx.actor, 'read-audit', ctx.actor.agencyId).allowed) {
    throw refuse('audit trail', { action, entityType: extra.personId ? 'person' : 'agency', entityId: extra.personId ?? ctx.actor.agencyId });
  }
}

/**
 * The agency's entries: made by its practitioners, or about its own people, records and
 * practitioners — the last so that what no practitioner did is there too: failed sign-ins to its
 * staff's accounts, and its identity provider's SCIM changes, which are made as the system.
 */
export const AGENCY_SCOPE = `(e.actor_agency_id = $1
  OR e.person_id IN (SELECT id FROM person WHERE agency_id = $1)
  OR (e.entity_type = 'record' AND e.entity_id IN (SELECT id FROM agency_record WHERE agency_id = $1))
  OR (e.entity_type = 'practitioner' AND e.entity_id IN (SELECT id FROM practitioner WHERE agency_id = $1)))`;

/** The columns every page of entries shows; `own` names only the agency's own people ($1 is the agency). */
export const ENTRY_SELECT = `SELECT e.seq, e.at, e.actor_practitioner_id, pr.name AS practitioner_name, e.actor_agency_id, ag.name AS agency_name,
       e.action, e.outcome, e.purpose, e.entity_type, e.entity_id, e.person_id, own.id AS own_person_id,
       (SELECT trim(n.given_names || ' ' || n.family_name) FROM person_name n WHERE n.person_id = own.id ORDER BY (n.use <> 'usual'), n.position LIMIT 1) AS own_name
  FROM audit_event e
  LEFT JOIN practitioner pr ON pr.id = e.actor_practitioner_id
  LEFT JOIN agency ag ON ag.id = e.actor_agency_id
  LEFT JOIN person own ON own.id = e.person_id AND own.agency_id = $1`;

export interface EntryRow {
  seq: number | string;
  at: string | Date;
  actor_practitioner_id: string | null;
  practitioner_name: string | null;
  actor_agency_id: string | null;
  agency_name: string | null;
  action: string;
  outcome: (typeof OUTCOMES)[number];
  purpose: string | null;
  entity_type: string | null;
  entity_id: string | null;
  person_id: string | null;
  own_person_id: string | null;
  own_name: string | null;
}

const ENTITY_WORDS: Record<string, string> = { record: 'a record', person: 'a person', share_decision: 'a decision to share', practitioner: 'a practitioner', agency: 'an agency', partnership: 'a partnership' };

export function toTrailEntry(r: EntryRow): TrailEntry {
  let about: TrailEntry['about'];
  if (r.own_person_id) {
    const name = r.own_name || 'Unnamed person';
    about = { kind: 'own-person', personId: r.own_person_id, name, entityType: r.entity_type, entityId: r.entity_id, text: name };
  } else if (r.person_id) {
    about = { kind: 'elsewhere', personId: r.person_id, name: null, entityType: r.entity_type, entityId: r.entity_id, text: 'A record another agency holds' };
  } else if (r.entity_id || r.entity_type) {
    const what = r.entity_type ? (ENTITY_WORDS[r.entity_type] ?? r.entity_type.replace(/_/g, ' ')) : 'an item';
    const text = `${what.charAt(0).toUpperCase()}${what.slice(1)}${r.entity_id ? ` (${r.entity_id})` : ''}`;
    about = { kind: 'item', personId: null, name: null, entityType: r.entity_type, entityId: r.entity_id, text };
  } else {
    about = { kind: 'none', personId: null, name: null, entityType: null, entityId: null, text: '' };
  }
  return {
    seq: Number(r.seq),
    at: r.at instanceof Date ? r.at.toISOString() : new Date(r.at).toISOString(),
    practitionerId: r.actor_practitioner_id,
    practitionerName: r.practitioner_name,
    agencyId: r.actor_agency_id,
    agencyName: r.agency_name,
    action: r.action,
    actionText: actionWords(r.action),
    outcome: r.outcome,
    outcomeText: OUTCOME_WORDS[r.outcome] ?? r.outcome,
    purpose: r.purpose,
    about,
  };
}

/** A person filter must be the agency's own entry: another agency's, or none, is the same field error. */
async function checkOwnPerson(ctx: ActorContext, tx: Tx, personId: string | undefined): Promise<void> {
  if (!personId) return;
  const found = (await tx.query('SELECT 1 FROM person WHERE id = $1 AND agency_id = $2', [personId, ctx.actor.agencyId])).rowCount;
  if (!found) throw invalid('Some fields are not valid.', [{ pointer: '/query/personId', detail: 'There is no one with this identifier in your agency’s index' }]);
}

/** The audit entry's detail for a search: which filters were used (identifiers and dates only). */
function searchDetail(q: TrailQuery, results: number): Record<string, string | number | null> {
  return {
    results,
    practitioner: q.practitionerId ?? null,
    action: q.action ?? null,
    outcome: q.outcome ?? null,
    from: q.from ?? null,
    to: q.to ?? null,
    before: q.before ?? null,
  };
}

/** One page of the agency's trail, newest first; audited as a search (or, for the CSV, an export). */
export async function searchAgencyTrail(ctx: ActorContext, q: TrailQuery, use: 'search' | 'export' = 'search'): Promise<TrailPage> {
  const action = use === 'search' ? 'audit.search' : 'audit.export';
  return command(ctx, async (tx) => {
    mustReadAudit(ctx, action);
    await checkOwnPerson(ctx, tx, q.personId);
    const limit = q.limit ?? TRAIL_PAGE;
    const args: unknown[] = [ctx.actor.agencyId];
    const where: string[] = [AGENCY_SCOPE];
    const add = (sql: (n: string) => string, value: unknown): void => {
      args.push(value);
      where.push(sql(`$${args.length}`));
    };
    if (q.practitionerId) add((n) => `e.actor_practitioner_id = ${n}`, q.practitionerId);
    if (q.personId) {
      add((n) => `(e.person_id = ${n} OR (e.entity_type = 'record' AND e.entity_id IN (SELECT id FROM agency_record WHERE person_id = ${n})))`, q.personId);
    }
    if (q.action) add((n) => `e.action = ${n}`, q.action);
    if (q.outcome) add((n) => `e.outcome = ${n}`, q.outcome);
    if (q.from) add((n) => `e.at >= (${n}::date::timestamp AT TIME ZONE 'Europe/London')`, q.from);
    if (q.to) add((n) => `e.at < ((${n}::date + 1)::timestamp AT TIME ZONE 'Europe/London')`, q.to);
    if (q.before) add((n) => `e.seq < ${n}`, q.before);
    args.push(limit + 1);
    const rows = (await tx.query<EntryRow>(`${ENTRY_SELECT} WHERE ${where.join(' AND ')} ORDER BY e.seq DESC LIMIT $${args.length}`, args)).rows;
    const items = rows.slice(0, limit).map(toTrailEntry);
    await audit(ctx, tx, {
      action, outcome: 'success', entityType: q.personId ? 'person' : 'agency', entityId: q.personId ?? ctx.actor.agencyId, personId: q.personId,
      detail: searchDetail(q, items.length),
    });
    return { items, nextBefore: rows.length > limit ? items[items.length - 1]!.seq : null };
  });
}

export const TrailChoices = z.object({
  practitioners: z.array(z.object({ id: Uuid, name: z.string(), active: z.boolean() })),
});

/** The agency's practitioners, for the search's select (names of the auditor's own colleagues). */
export async function agencyPractitionerChoices(ctx: ActorContext): Promise<{ id: string; name: string; active: boolean }[]> {
  // Only ever called beside a search, which refuses (and audits) anyone else.
  if (!decideAgency(ctx.actor, 'read-audit', ctx.actor.agencyId).allowed) return [];
  return (await ctx.db.query<{ id: string; name: string; active: boolean }>('SELECT id, name, active FROM practitioner WHERE agency_id = $1 ORDER BY name, id', [ctx.actor.agencyId])).rows;
}

export interface PersonChoice {
  id: string;
  name: string;
  dateOfBirth: string | null;
  kind: string;
}

/**
 * The person picker: the agency's own entries by name (every word must match a given or family
 * name) or by NHS number. The words searched for are never kept; the search is audited like any.
 */
export async function findAgencyPeople(ctx: ActorContext, text: string): Promise<PersonChoice[]> {
  return command(ctx, async (tx) => {
    mustReadAudit(ctx, 'audit.person-search');
    const digits = text.replace(/\s+/g, '');
    let rows: PersonChoice[];
    if (/^\d{10}$/.test(digits)) {
      rows = (await tx.query<PersonChoice>(
        `SELECT p.id, ${NAME_OF('p.id')} AS name, p.date_of_birth::text AS "dateOfBirth", p.kind FROM person p
          WHERE p.agency_id = $1 AND replace(p.nhs_number, ' ', '') = $2 ORDER BY p.id LIMIT 20`, [ctx.actor.agencyId, digits])).rows;
    } else {
      const words = text.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 5).map((w) => `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      if (words.length === 0) return [];
      const conditions = words.map((_, i) => `EXISTS (SELECT 1 FROM person_name n WHERE n.person_id = p.id AND (lower(n.given_names) LIKE $${i + 2} OR lower(n.family_name) LIKE $${i + 2}))`);
      rows = (await tx.query<PersonChoice>(
        `SELECT p.id, ${NAME_OF('p.id')} AS name, p.date_of_birth::text AS "dateOfBirth", p.kind FROM person p
          WHERE p.agency_id = $1 AND ${conditions.join(' AND ')} ORDER BY 2, p.id LIMIT 20`, [ctx.actor.agencyId, ...words])).rows;
    }
    await audit(ctx, tx, { action: 'audit.person-search', outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId, detail: { results: rows.length } });
    return rows.map((r) => ({ ...r, name: r.name || 'Unnamed person' }));
  });
}

/** A person's usual name (or the first recorded), as SQL. */
export const NAME_OF = (id: string): string =>
  `(SELECT trim(n.given_names || ' ' || n.family_name) FROM person_name n WHERE n.person_id = ${id} ORDER BY (n.use <> 'usual'), n.position LIMIT 1)`;
