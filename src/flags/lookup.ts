import { decideAgency, CASEWORK_ROLES, type Role } from '../access/policy.ts';
import { auditArguments, command, refuse, type AuditInput, type AuditWho } from '../audit/audit.ts';
import { Batcher, batchesInFlight, perDatabase } from '../db/batching.ts';
import type { Database } from '../db/database.ts';
import { withinOneEdit } from '../matching/comparisons.ts';
import { normaliseNhsNumber } from '../people/nhs-number.ts';
import type { ActorContext, Services } from '../shared/context.ts';
import { forbidden } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { isActive } from './derive.ts';
import { FLAG_COLUMNS, FLAG_JOINS, toFlagView, type FlagRow } from './flags.ts';
import type { FlagLookup, LookupResult } from './schemas.ts';
import { agencyTypeOf } from '../shared/agency-types.ts';

/**
 * What a health setting sees: the flags and the authority's contacts, never the child's records.
 * Every lookup is audited; a lookup that finds a flagged child is kept in that child's access
 * history, and an unscheduled one raises a "child was seen" notification for the authority.
 */

/** Who is looking: a health setting's system (FHIR) or a signed-in health practitioner. */
export type Looker =
  | { kind: 'system'; healthSettingId: string; settingName: string; settingType: string; requestId?: string | undefined }
  | { kind: 'practitioner'; ctx: ActorContext; settingName: string; settingType: string };

export interface FoundFlag extends FlagRow {
  /** The NHS number the flag was found by (for an unborn child: the mother's). */
  subject_nhs_number: string;
  subject_display: string;
}

/** Flags ended more than this long ago are no longer shown. */
const SHOWN_AFTER_END_MS = 365 * 86_400_000;

/**
 * Children's flags by NHS number, for a batch of lookups at once (one row per flag, tagged with the
 * request it answers); for an unborn child, the flags are found by the mother's NHS number (as
 * CP-IS does: an unborn child has no number of its own). The query is jigsaw_flags_by_nhs_numbers
 * (migration 013), where PL/pgSQL keeps its plan: it plans in ten times the time it runs. $1: a
 * JSON array of {nhs, since} (flags ended before since are not shown).
 */
export const FLAGS_BY_NHS_NUMBERS_SQL = 'SELECT * FROM jigsaw_flags_by_nhs_numbers($1::jsonb)';

/**
 * Lookups arriving together are answered by one statement (Batcher): at 50 concurrent lookups,
 * one query for twenty NHS numbers costs the database a sixth of twenty queries. Two reads on their
 * way at once on a server (batchesInFlight), so that at a hospital's rate a lookup does not wait
 * for another's read before its own is sent.
 */
const flagReader = perDatabase((db: Database) => new Batcher<{ nhs: string; since: string }, FoundFlag[]>(async (asks) => {
  const { rows } = await db.query<FoundFlag & { request: number }>(FLAGS_BY_NHS_NUMBERS_SQL, [JSON.stringify(asks)]);
  const answers = asks.map((): FoundFlag[] => []);
  for (const { request, ...flag } of rows) answers[request - 1]!.push(flag);
  return answers;
}, batchesInFlight(db, 2)));

/** Everything a batch of lookups writes, in one statement (migration 013). */
const RECORD_LOOKUPS = 'SELECT jigsaw_record_flag_lookups($1::jsonb, $2::jsonb, $3::jsonb)';

interface AccessRow {
  id: string; person_id: string; accessed_at: string; unscheduled: boolean; via: 'fhir' | 'api'; search: 'nhs_number' | 'demographics';
  health_setting_id: string | null; practitioner_id: string | null; agency_id: string | null; setting_name: string; setting_type: string;
}
interface NotifyRow { id: string; access_id: string; person_id: string; agency_id: string; seen_at: string; setting_name: string; setting_type: string }

interface LookupWrites {
  accesses: AccessRow[];
  notify: NotifyRow[];
  audits: unknown[][];
}

/**
 * Group commit for lookups. Every lookup writes (an audit entry, its access history, perhaps a
 * notification) before it is answered; at 50 concurrent lookups one transaction per lookup would
 * queue on the audit chain's head row. Lookups arriving while a batch commits are written together
 * in the next batch: one statement, jigsaw_record_flag_lookups, its own transaction (the audit
 * entries by jigsaw_append_audit_many: same chain, one head update). On a server up to four
 * batches commit at once (batchesInFlight): at a steady rate, a lookup arriving while a batch
 * commits would otherwise wait for that commit's WAL flush and then for its own, so a slow flush
 * delayed every lookup behind it twice; concurrent batches take different audit chains (migration
 * 035), PostgreSQL flushes their commits together, and two counting the same child's attendances
 * go one after the other (migration 038).
 */
const lookupWriter = perDatabase((db: Database) => new Batcher<LookupWrites, void>(async (batch) => {
  await db.query(RECORD_LOOKUPS, [
    JSON.stringify(batch.flatMap((b) => b.accesses)),
    JSON.stringify(batch.flatMap((b) => b.notify)),
    JSON.stringify(batch.flatMap((b) => b.audits)),
  ]);
  return batch.map(() => undefined);
}, batchesInFlight(db, 4)));

function auditWho(s: Services, who: Looker): AuditWho {
  return who.kind === 'practitioner'
    ? { actor: who.ctx.actor, purpose: who.ctx.purpose, requestId: who.ctx.requestId, at: s.clock.now() }
    : { requestId: who.requestId, at: s.clock.now() };
}

function accessRow(who: Looker, personId: string, at: string, unscheduled: boolean, via: 'fhir' | 'api', search: 'nhs_number' | 'demographics'): AccessRow {
  return {
    id: newId(), person_id: personId, accessed_at: at, unscheduled, via, search,
    health_setting_id: who.kind === 'system' ? who.healthSettingId : null,
    practitioner_id: who.kind === 'practitioner' ? who.ctx.actor.practitionerId : null,
    agency_id: who.kind === 'practitioner' ? who.ctx.actor.agencyId : null,
    setting_name: who.settingName, setting_type: who.settingType,
  };
}

/**
 * Flags by NHS number (already validated). Writes the audit entry, the access history and, for an
 * unscheduled attendance of a child with an active flag, one notification per responsible authority.
 */
export async function flagsByNhsNumber(s: Services, who: Looker, nhsNumber: string, opts: { unscheduled: boolean; via: 'fhir' | 'api'; resource: string }): Promise<FoundFlag[]> {
  const now = s.clock.now();
  const nhs = normaliseNhsNumber(nhsNumber);
  const rows = await flagReader(s.db).submit({ nhs, since: new Date(now.getTime() - SHOWN_AFTER_END_MS).toISOString() });
  const at = now.toISOString();
  const people = [...new Map(rows.map((r) => [r.person_id, r])).values()];
  const accesses = people.map((r) => accessRow(who, r.person_id, at, opts.unscheduled, opts.via, 'nhs_number'));
  const notify: NotifyRow[] = opts.unscheduled
    ? accesses.filter((a) => rows.some((r) => r.person_id === a.person_id && isActive({ start: r.period_start, end: r.period_end }, now))).map((a) => ({
        id: newId(), access_id: a.id, person_id: a.person_id, agency_id: rows.find((r) => r.person_id === a.person_id)!.authority_agency_id,
        seen_at: at, setting_name: who.settingName, setting_type: who.settingType,
      }))
    : [];
  const base: Omit<AuditInput, 'outcome'> = {
    action: 'flags.lookup',
    entityType: who.kind === 'system' ? 'health_setting' : 'agency',
    entityId: who.kind === 'system' ? who.healthSettingId : who.ctx.actor.agencyId,
  };
  const detail = { via: opts.via, resource: opts.resource, unscheduled: opts.unscheduled, search: 'nhs_number', settingType: who.settingType, flags: rows.length };
  const whoAudit = auditWho(s, who);
  const audits = people.length
    ? people.map((p) => auditArguments(whoAudit, { ...base, outcome: 'success', personId: p.person_id, detail }))
    : [auditArguments(whoAudit, { ...base, outcome: 'success', detail })];
  for (const n of notify) {
    audits.push(auditArguments(whoAudit, { action: 'seen-notification.raise', outcome: 'success', entityType: 'seen_notification', entityId: n.id, personId: n.person_id }));
  }
  await lookupWriter(s.db).submit({ accesses, notify, audits });
  return rows;
}

/** A child's access history (the FHIR AuditEvent search), audited as a read of it. */
export async function accessHistoryByNhsNumber(s: Services, who: Looker, nhsNumber: string): Promise<(AccessRowOut & { subject_nhs_number: string })[]> {
  const nhs = normaliseNhsNumber(nhsNumber);
  const { rows } = await s.db.query<AccessRowOut & { subject_nhs_number: string }>(
    `SELECT x.id, x.person_id, x.accessed_at, x.unscheduled, x.setting_name, x.setting_type, x.health_setting_id, x.practitioner_id, $1::text AS subject_nhs_number
       FROM flag_access x
      WHERE x.person_id IN (SELECT f.person_id FROM person p JOIN flag f ON f.person_id = p.id WHERE p.nhs_number = $1)
      ORDER BY x.accessed_at DESC LIMIT 500`,
    [nhs]);
  const persons = [...new Set(rows.map((r) => r.person_id))];
  const whoAudit = auditWho(s, who);
  const entry = (personId?: string): unknown[] => auditArguments(whoAudit, {
    action: 'flags.access-history.read', outcome: 'success', personId,
    entityType: who.kind === 'system' ? 'health_setting' : 'agency', entityId: who.kind === 'system' ? who.healthSettingId : who.ctx.actor.agencyId,
    detail: { events: rows.length },
  });
  await lookupWriter(s.db).submit({ accesses: [], notify: [], audits: persons.length ? persons.map(entry) : [entry()] });
  return rows;
}

export interface AccessRowOut {
  id: string; person_id: string; accessed_at: string; unscheduled: boolean; setting_name: string; setting_type: string; health_setting_id: string | null; practitioner_id: string | null;
}

const HEALTH_AGENCY_TYPES = new Set(['hospital', 'gp', 'midwifery', 'health_visiting', 'sexual_health_clinic', 'mental_health']);

/** Who may look flags up: casework staff of a health agency (the care settings of the CP-IS lookup). The pages ask it to offer the lookup. */
export const mayLookUpFlags = (agencyType: string, roles: readonly Role[]): boolean =>
  HEALTH_AGENCY_TYPES.has(agencyType) && roles.some((r) => CASEWORK_ROLES.includes(r));

const normalisePostcode = (p: string): string => p.toUpperCase().replace(/[^A-Z0-9]/g, '');
const normaliseName = (n: string): string => n.toLowerCase().normalize('NFKD').replace(/[^a-z]/g, '');

/** Jaro-Winkler similarity of two normalised names (0–1). */
export function nameSimilarity(a: string, b: string): number {
  if (a === b) return a ? 1 : 0;
  if (!a || !b) return 0;
  const window = Math.max(0, Math.floor(Math.max(a.length, b.length) / 2) - 1);
  const aHit = new Array<boolean>(a.length).fill(false);
  const bHit = new Array<boolean>(b.length).fill(false);
  let matches = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = Math.max(0, i - window); j < Math.min(b.length, i + window + 1); j++) {
      if (!bHit[j] && a[i] === b[j]) { aHit[i] = true; bHit[j] = true; matches++; break; }
    }
  }
  if (!matches) return 0;
  let t = 0;
  for (let i = 0, k = 0; i < a.length; i++) {
    if (!aHit[i]) continue;
    while (!bHit[k]) k++;
    if (a[i] !== b[k]) t++;
    k++;
  }
  const jaro = (matches / a.length + matches / b.length + (matches - t / 2) / matches) / 3;
  let prefix = 0;
  while (prefix < 4 && a[prefix] === b[prefix]) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}

/** Names agree exactly, or closely enough to be worth a check (a typing slip, one letter of the surname, a shortened given name). */
export function nameAgreement(given: { givenNames: string; familyName: string }, held: { givenNames: string; familyName: string }): 'exact' | 'similar' | undefined {
  const gf = normaliseName(given.familyName);
  const hf = normaliseName(held.familyName);
  const gg = normaliseName(given.givenNames.split(/\s+/)[0] ?? '');
  const hg = normaliseName(held.givenNames.split(/\s+/)[0] ?? '');
  if (gf === hf && gg === hg) return 'exact';
  const family = nameSimilarity(gf, hf);
  const first = nameSimilarity(gg, hg);
  // One letter different in the surname (Reed for Reid) is a typing or hearing slip: the lookup
  // already requires the same date of birth and postcode, and the answer is only ever a candidate.
  if ((family >= 0.9 || (gf.length >= 3 && withinOneEdit(gf, hf))) && (first >= 0.85 || (gg !== '' && hg.startsWith(gg)) || (hg !== '' && gg.startsWith(hg)))) return 'similar';
  return undefined;
}

/**
 * The lookup for a signed-in health practitioner: by NHS number, or by name, date of birth and
 * postcode returning candidates. Candidates are flagged children whose date of birth is the same,
 * who have lived at the postcode, and whose name agrees or nearly agrees: they are shown as
 * candidates, each kept in that child's access history, and none notifies the authority: an
 * attendance is reported once the setting has confirmed who the child is (by NHS number).
 */
export async function lookupFlags(ctx: ActorContext, q: FlagLookup): Promise<LookupResult> {
  await command(ctx, async (tx) => {
    const a = { type: await agencyTypeOf(tx, ctx.actor.agencyId) };
    if (!a || !mayLookUpFlags(a.type, ctx.actor.roles) || !decideAgency(ctx.actor, 'create-person', ctx.actor.agencyId).allowed) {
      throw refuse('agency', { action: 'flags.lookup', entityType: 'agency', entityId: ctx.actor.agencyId }, forbidden('Flags are shown to health practitioners looking a child up in a care setting.'));
    }
  });
  const who: Looker = { kind: 'practitioner', ctx, settingName: q.setting.name, settingType: q.setting.type };
  const now = ctx.clock.now();
  if (q.nhsNumber) {
    const rows = await flagsByNhsNumber(ctx, who, q.nhsNumber, { unscheduled: q.unscheduled, via: 'api', resource: 'lookup' });
    return {
      searchedBy: 'nhs_number', flags: rows.map((r) => toFlagView(r, now)), candidates: [],
      note: rows.length === 0 ? 'No child protection or looked-after flag for this NHS number.' : 'Call the responsible authority on the numbers given.',
    };
  }
  const d = q.demographics!;
  const since = new Date(now.getTime() - SHOWN_AFTER_END_MS).toISOString();
  const flags = (await ctx.db.query<FlagRow & { date_of_birth: string }>(
    `SELECT ${FLAG_COLUMNS}, p.date_of_birth FROM person p JOIN flag f ON f.person_id = p.id ${FLAG_JOINS}
      WHERE p.date_of_birth = $1 AND (f.period_end IS NULL OR f.period_end > $3)
        AND EXISTS (SELECT 1 FROM person_address ad WHERE ad.person_id = p.id AND upper(regexp_replace(ad.postcode, '[^A-Za-z0-9]', '', 'g')) = $2)
      ORDER BY f.period_start LIMIT 200`,
    [d.dateOfBirth, normalisePostcode(d.postcode), since])).rows;
  const personIds = [...new Set(flags.map((f) => f.person_id))];
  const names = personIds.length
    ? (await ctx.db.query<{ person_id: string; given_names: string; family_name: string }>(
        'SELECT person_id, given_names, family_name FROM person_name WHERE person_id = ANY($1::uuid[]) ORDER BY position', [personIds])).rows
    : [];
  const candidates = personIds.flatMap((id) => {
    const held = names.filter((n) => n.person_id === id).map((n) => ({ givenNames: n.given_names, familyName: n.family_name }));
    const agreement = held.map((h) => nameAgreement(d, h)).reduce<'exact' | 'similar' | undefined>((best, x) => (best === 'exact' || x === 'exact' ? 'exact' : best ?? x), undefined);
    if (!agreement) return [];
    const own = flags.filter((f) => f.person_id === id);
    return [{ id, names: held, dateOfBirth: own[0]!.date_of_birth, nameAgreement: agreement, flags: own.map((f) => toFlagView(f, now)) }];
  }).slice(0, 10);
  const at = now.toISOString();
  const whoAudit = auditWho(ctx, who);
  const detail = { via: 'api', resource: 'lookup', unscheduled: q.unscheduled, search: 'demographics', settingType: who.settingType, candidates: candidates.length };
  const base = { action: 'flags.lookup', outcome: 'success' as const, entityType: 'agency', entityId: ctx.actor.agencyId, detail };
  await lookupWriter(ctx.db).submit({
    accesses: candidates.map((c) => accessRow(who, c.id, at, q.unscheduled, 'api', 'demographics')),
    notify: [],
    audits: candidates.length ? candidates.map((c) => auditArguments(whoAudit, { ...base, personId: c.id })) : [auditArguments(whoAudit, base)],
  });
  return {
    searchedBy: 'demographics',
    flags: [],
    candidates: candidates.map(({ id: _id, ...c }) => c),
    note: candidates.length === 0
      ? 'No flagged child has this date of birth, postcode and name. This is not proof that the child has no flag: look up by NHS number when you have it.'
      : 'These are candidates, not a confirmed identity: they share the date of birth and postcode, and the name agrees as shown. Confirm who the child is, then look up by NHS number (which also tells the authority of the attendance).',
  };
}
