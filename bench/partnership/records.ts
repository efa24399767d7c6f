import type { Queryable } from '../../src/db/database.ts';
import { assess } from '../../src/sharing/decision-rules.ts';
import { NewShareDecision } from '../../src/sharing/schemas.ts';
import { idFor, rngFor, sqlIdFor } from './names.ts';
import { insertRows, sqlUniform } from './insert.ts';
import type { World } from './world.ts';

/**
 * The records (set-based: one INSERT … SELECT over generate_series per batch of entries, with
 * seeded pseudo-random kinds, dates and wording), and the share decisions with their recipients
 * and grants (from Node, since each names records of an entry shared with another agency that
 * holds the same child).
 */

/** Record g of entry e: its id in Node, the same as the SQL's sqlIdFor('seed:record:e:g'). */
export const recordId = (seed: number, entry: number, g: number): string => idFor(seed, `record:${entry}:${g}`);
/** One record in fifty is restricted; decisions never share those. */
export const isRestricted = (g: number): boolean => g % 50 === 7;

const SUMMARIES: Record<string, string[]> = {
  concern: ['Arrived hungry and unkempt for the third day this week', 'Bruise to the upper arm; said a sibling did it', 'Said there is shouting at home at night', 'Not collected at the end of the day; mother arrived an hour late', 'Disclosed that dad hit mum at the weekend', 'Seemed frightened when asked about going home'],
  observation: ['Quiet and withdrawn in class today', 'Weight below the expected centile at review', 'Playing happily with peers; no concerns seen', 'Clothes too small and not washed', 'Tired and falling asleep in the afternoon'],
  contact: ['Telephone call with mother about attendance', 'Spoke with the social worker about the plan', 'Letter sent inviting the family to a review', 'Father phoned to cancel the appointment'],
  home_visit: ['Home visit: house cold, little food in the cupboards', 'Home visit: family seen, home warm and tidy', 'Home visit: no answer at the door'],
  appointment: ['Developmental review', 'Immunisations due', 'Follow-up appointment at the clinic'],
  hospital_attendance: ['Attended the emergency department with a head injury', 'Brought in with a burn to the hand', 'Seen for an asthma attack'],
  incident: ['Police called to a domestic incident at the address', 'Child found alone in the street at night', 'Missing from home overnight; returned the next morning'],
};
const KINDS = Object.keys(SUMMARIES);
const sqlArray = (xs: readonly string[]): string => `ARRAY[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(',')}]`;

// One batch of entries → their records and each record's first version, in one statement.
// Entry indexes, ids, agencies, counts, first-seen times and two authors each come from Node.
const RECORDS_SQL = (seed: number, asOf: string): string => `
  WITH e AS (
    SELECT * FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::int[], $5::timestamptz[], $6::uuid[], $7::uuid[]) AS t(idx, person_id, agency_id, n, first_seen, author1, author2)
  ), g AS (
    SELECT e.*, s.g, '${seed}:record:' || e.idx || ':' || s.g AS k FROM e CROSS JOIN LATERAL generate_series(1, e.n) AS s(g)
  ), r AS (
    INSERT INTO agency_record (id, person_id, agency_id, current_version, restricted, created_by, created_at)
    SELECT ${sqlIdFor('k')}, person_id, agency_id, 1, g % 50 = 7, CASE WHEN g % 3 = 0 THEN author2 ELSE author1 END,
           first_seen + ('${asOf}'::timestamptz - first_seen) * ((g - 1 + ${sqlUniform("k || ':t'")}) / n)
      FROM g
    RETURNING id, created_by, created_at
  )
  INSERT INTO agency_record_version (record_id, version, kind, occurred_at, recorded_at, author_id, categories, fact_or_opinion, reported_or_witnessed,
    source, confidential, sensitive_categories, summary, details, childs_words, outcome, correction_reason)
  SELECT r.id, 1, x.kind, r.created_at - (x.u * 48) * interval '1 hour', r.created_at, r.created_by,
         CASE floor(x.u * 6)::int WHEN 0 THEN ARRAY['neglect'] WHEN 1 THEN ARRAY['neglect','attendance'] WHEN 2 THEN ARRAY['domestic_abuse']
           WHEN 3 THEN ARRAY['development'] WHEN 4 THEN ARRAY['emotional_abuse','domestic_abuse'] ELSE ARRAY['physical_abuse'] END,
         CASE WHEN x.u < 0.7 THEN 'fact' ELSE 'opinion' END, CASE WHEN x.u < 0.5 THEN 'witnessed' ELSE 'reported' END,
         '{"type":"practitioner","identityProtected":false}'::jsonb, x.u < 0.1, '{}'::text[],
         (CASE x.kind ${KINDS.map((k) => `WHEN '${k}' THEN (${sqlArray(SUMMARIES[k]!)})[1 + floor(x.u * ${SUMMARIES[k]!.length})::int]`).join(' ')} END),
         CASE WHEN x.u < 0.6 THEN 'Recorded at the time, with what was seen and said, and by whom. Discussed with the safeguarding lead the same day.' END,
         CASE WHEN x.kind = 'concern' AND x.u < 0.3 THEN 'I don''t want to go home tonight.' END,
         CASE x.kind WHEN 'home_visit' THEN (ARRAY['seen','seen_child_not_seen','no_access'])[1 + floor(x.u * 3)::int]
                     WHEN 'appointment' THEN (ARRAY['attended','attended','not_brought','cancelled_by_family'])[1 + floor(x.u * 4)::int] END,
         NULL
    FROM r CROSS JOIN LATERAL (
      SELECT ${sqlUniform("r.id::text")} AS u,
             (${sqlArray(['concern', 'observation', 'contact', 'home_visit', 'appointment', 'hospital_attendance', 'incident', 'observation', 'contact', 'concern'])})[1 + floor(${sqlUniform("r.id::text || ':kind'")} * 10)::int] AS kind
    ) x`;

export async function loadRecords(db: Queryable, w: World, onBatch: (done: number) => void): Promise<number> {
  const rnd = rngFor(w.seed, 5);
  const sql = RECORDS_SQL(w.seed, w.asOf);
  const ENTRIES_PER_BATCH = 4_000;
  let total = 0;
  for (let start = 0; start < w.entries.length; start += ENTRIES_PER_BATCH) {
    const batch = w.entries.slice(start, start + ENTRIES_PER_BATCH);
    const author = (a: number): string => {
      const list = w.staffByAgency[a]!;
      return w.staff[list[Math.floor(rnd() * list.length)]!]!.id;
    };
    const a2 = batch.map((e) => author(e.agency));
    await db.query(sql, [batch.map((_, i) => start + i), batch.map((e) => e.id), batch.map((e) => w.agencies[e.agency]!.id), batch.map((e) => e.records),
      batch.map((e) => e.createdAt), batch.map((e) => w.staff[e.createdBy]!.id), a2]);
    total += batch.reduce((s, e) => s + e.records, 0);
    onBatch(total);
  }
  return total;
}

// A statutory basis, as children's social care and its partners record for an enquiry (the answers the journey asks).
const TEMPLATE = NewShareDecision.parse({
  personId: '00000000-0000-4000-8000-000000000000', outcome: 'share', reasons: 'Concerns about neglect: the other agency needs to know for its assessment',
  answers: { purposeCode: 'child_protection_enquiry', purpose: 'Information for a multi-agency assessment', withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 1989 s47' },
  share: { recipients: [{ agencyId: '00000000-0000-4000-8000-000000000000' }], items: [{ recordId: '00000000-0000-4000-8000-000000000000', parts: ['summary'] }] },
  subjectInformed: { informed: false, reason: 'It would prejudice the enquiry' },
});
const LEGAL_BASIS = assess(TEMPLATE.answers, undefined).legalBasis;

export interface SharePlan { decisions: number; grants: number; byGrantee: Map<number, Set<number>> }

/**
 * 0.2 decisions per entry: an agency shares some of an entry's records with another agency that
 * holds the same person (nine in ten "share", one in ten "do not share"). `byGrantee` answers, per
 * agency, the entries of its own that now have records shared with it through a link.
 */
export async function loadShares(db: Queryable, w: World): Promise<SharePlan> {
  const rnd = rngFor(w.seed, 6);
  const multi = w.individuals.filter((i) => i.entries.length > 1);
  const target = Math.round(w.entries.length * 0.2);
  const decisions: (string | boolean | null)[][] = [];
  const recipients: (string | null)[][] = [];
  const grants: (string | readonly string[] | null)[][] = [];
  const byGrantee = new Map<number, Set<number>>();
  const end = Date.parse(w.asOf);
  for (let d = 0; d < target && multi.length; d++) {
    const ind = multi[Math.floor(rnd() * multi.length)]!;
    const from = ind.entries[Math.floor(rnd() * ind.entries.length)]!;
    const to = ind.entries.filter((e) => e !== from)[Math.floor(rnd() * (ind.entries.length - 1))]!;
    const fromEntry = w.entries[from]!;
    const toAgency = w.entries[to]!.agency;
    const id = idFor(w.seed, `decision:${d}`);
    const deciders = w.staffByAgency[fromEntry.agency]!;
    const by = w.staff[deciders[Math.floor(rnd() * deciders.length)]!]!.id;
    const at = new Date(Math.max(Date.parse(fromEntry.createdAt), end - Math.floor(rnd() * 400) * 86_400_000)).toISOString();
    const share = rnd() < 0.9 && fromEntry.records > 0;
    const answers = TEMPLATE.answers;
    decisions.push([id, fromEntry.id, w.agencies[fromEntry.agency]!.id, by, at, share ? 'share' : 'do_not_share', LEGAL_BASIS, answers.purposeCode ?? null, answers.purpose ?? null,
      JSON.stringify(answers), share ? TEMPLATE.reasons ?? null : 'The other agency does not need this for its purpose: nothing shared', at, JSON.stringify(TEMPLATE.subjectInformed)]);
    if (!share) continue;
    recipients.push([id, w.agencies[toAgency]!.id, null]);
    // The latest few records (up to a dozen), never a restricted one.
    const k = 1 + Math.floor(rnd() * Math.min(12, fromEntry.records));
    for (let g = fromEntry.records; g > fromEntry.records - k && g >= 1; g--) {
      if (isRestricted(g)) continue;
      grants.push([idFor(w.seed, `grant:${d}:${g}`), id, recordId(w.seed, from, g), fromEntry.id, w.agencies[toAgency]!.id, g % 3 === 0 ? ['summary'] : ['summary', 'details'], at]);
    }
    let set = byGrantee.get(toAgency);
    if (!set) byGrantee.set(toAgency, (set = new Set()));
    set.add(to);
  }
  await insertRows(db, 'share_decision', {
    id: 'uuid', person_id: 'uuid', agency_id: 'uuid', decided_by: 'uuid', decided_at: 'timestamptz', outcome: 'text', legal_basis: 'text', purpose_code: 'text',
    purpose: 'text', answers: 'jsonb', reasons: 'text', completed_at: 'timestamptz', subject_informed: 'jsonb',
  }, decisions);
  await insertRows(db, 'share_recipient', { decision_id: 'uuid', agency_id: 'uuid', practitioner_id: 'uuid' }, recipients);
  await insertRows(db, 'share_grant', { id: 'uuid', decision_id: 'uuid', record_id: 'uuid', person_id: 'uuid', grantee_agency_id: 'uuid', parts: 'text[]', valid_from: 'timestamptz' }, grants);
  return { decisions: decisions.length, grants: grants.length, byGrantee };
}
