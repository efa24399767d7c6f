import type { Queryable } from '../../src/db/database.ts';
import { nameSearchKeys } from '../../src/matching/store.ts';
import { nameMatchSql, searchTerms } from '../../src/people/people.ts';
import type { MixLabel } from './mix.ts';

/**
 * The bare baseline of each page of the mix: the minimal SQL that fetches the rows the page shows,
 * with no policy, audit, matching or rendering, so each page's server time can be put beside the
 * time its data costs. Each answers the row counts of what the page lists, to check it against
 * the page (the test does, for a few manifest users).
 */

export interface Viewer {
  practitionerId: string;
  agencyId: string;
  /** Restricted records of the viewer's agency are visible to its safeguarding lead. */
  isLead: boolean;
}

export type BareArgs =
  | { label: 'person'; viewer: Viewer; personId: string }
  | { label: 'chronology'; viewer: Viewer; personId: string }
  | { label: 'search'; viewer: Viewer; name: string }
  | { label: 'record'; viewer: Viewer; personId: string; summary: string }
  | { label: 'episode'; viewer: Viewer; episodeId: string };

export type BareCounts = Record<string, number>;

// The entry and everything joined to it by live links (transitively, as clustersOf does).
const CLUSTER = `WITH RECURSIVE c(id) AS (
    SELECT $1::uuid
    UNION
    SELECT CASE WHEN l.person_id = c.id THEN l.other_person_id ELSE l.person_id END
      FROM c JOIN person_link l ON (l.person_id = c.id OR l.other_person_id = c.id) AND l.unlinked_at IS NULL)`;

// The chronology's rows: the viewer's agency's records about the cluster it may see, and the records live grants show it.
const CHRONOLOGY = `${CLUSTER}
  SELECT r.id, r.agency_id, ag.name AS agency_name, v.kind, v.occurred_at, v.summary, v.details, v.childs_words, v.fact_or_opinion, v.reported_or_witnessed,
         v.categories, v.sensitive_categories, a.name AS author_name
    FROM c JOIN agency_record r ON r.person_id = c.id
    JOIN agency_record_version v ON v.record_id = r.id AND v.version = r.current_version
    JOIN practitioner a ON a.id = v.author_id
    JOIN agency ag ON ag.id = r.agency_id
   WHERE (r.agency_id = $2 AND (NOT r.restricted OR r.created_by = $3 OR $4
           OR EXISTS (SELECT 1 FROM record_named_practitioner n WHERE n.record_id = r.id AND n.practitioner_id = $3)))
      OR (r.agency_id <> $2 AND EXISTS (SELECT 1 FROM share_grant g WHERE g.record_id = r.id AND g.grantee_agency_id = $2
           AND (g.grantee_practitioner_id IS NULL OR g.grantee_practitioner_id = $3)
           AND g.valid_from <= now() AND (g.valid_until IS NULL OR g.valid_until > now()) AND g.revoked_at IS NULL))
   ORDER BY v.occurred_at, r.created_at, r.id`;

async function person(db: Queryable, v: Viewer, id: string): Promise<BareCounts> {
  const one = async (sql: string, params: unknown[]): Promise<number> => (await db.query(sql, params)).rows.length;
  const entry = await one('SELECT * FROM person WHERE id = $1', [id]);
  const names = await one('SELECT * FROM person_name WHERE person_id = $1 ORDER BY position', [id]);
  const addresses = await one('SELECT * FROM person_address WHERE person_id = $1 ORDER BY position', [id]);
  const related = await one(`SELECT r.*, n.given_names, n.family_name FROM relationship r
      LEFT JOIN person_name n ON n.person_id = r.related_person_id AND n.use = 'usual' WHERE r.person_id = $1`, [id]);
  // The agencies involved: each linked entry's agency, with how many of its records are shared with the viewer's agency.
  const involved = await one(`${CLUSTER}
    SELECT p.agency_id, ag.name, count(g.id) AS shared FROM c JOIN person p ON p.id = c.id JOIN agency ag ON ag.id = p.agency_id
      LEFT JOIN share_grant g ON g.person_id = p.id AND g.grantee_agency_id = $2 AND g.revoked_at IS NULL
     WHERE p.id <> $1 GROUP BY p.agency_id, ag.name`, [id, v.agencyId]);
  const decisions = await one('SELECT * FROM share_decision WHERE person_id = $1 AND agency_id = $2 ORDER BY decided_at DESC', [id, v.agencyId]);
  const consents = await one('SELECT * FROM consent WHERE person_id = $1 AND agency_id = $2', [id, v.agencyId]);
  const steps = await one(`SELECT s.* FROM episode e JOIN episode_step s ON s.episode_id = e.id WHERE e.child_person_id = $1 AND e.agency_id = $2 AND e.closed_at IS NULL`, [id, v.agencyId]);
  return { entry, names, addresses, related, involved, decisions, consents, steps };
}

async function search(db: Queryable, v: Viewer, name: string): Promise<BareCounts> {
  // The service's own name condition (one LIKE per word, which the trigram index answers).
  const terms = searchTerms(name);
  if (terms.length === 0) return { results: 0, names: 0 };
  const { rows } = await db.query<{ id: string }>(
    `SELECT p.id FROM person p WHERE p.agency_id = $1 AND ${nameMatchSql(terms, 4, 3)}
      ORDER BY p.created_at, p.id LIMIT $2`,
    [v.agencyId, 50, nameSearchKeys(name), ...terms],
  );
  const names = await db.query('SELECT * FROM person_name WHERE person_id = ANY($1::uuid[])', [rows.map((r) => r.id)]);
  return { results: rows.length, names: names.rows.length };
}

/** Writing a record: the two rows the service writes, nothing checked. */
async function record(db: Queryable, v: Viewer, personId: string, summary: string): Promise<BareCounts> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO agency_record (id, person_id, agency_id, current_version, restricted, created_by, created_at)
     VALUES (gen_random_uuid(), $1, $2, 1, false, $3, now()) RETURNING id`, [personId, v.agencyId, v.practitionerId]);
  await db.query(
    `INSERT INTO agency_record_version (record_id, version, kind, occurred_at, recorded_at, author_id, categories, fact_or_opinion, reported_or_witnessed, source,
       confidential, sensitive_categories, summary) VALUES ($1, 1, 'concern', now(), now(), $2, ARRAY['neglect'], 'fact', 'witnessed',
       '{"type":"practitioner","identityProtected":false}'::jsonb, false, '{}'::text[], $3)`, [rows[0]!.id, v.practitionerId, summary]);
  return { written: 1 };
}

async function episode(db: Queryable, id: string): Promise<BareCounts> {
  const e = await db.query('SELECT * FROM episode WHERE id = $1', [id]);
  const actions = await db.query('SELECT * FROM episode_action WHERE episode_id = $1 ORDER BY seq', [id]);
  const steps = await db.query('SELECT * FROM episode_step WHERE episode_id = $1', [id]);
  const meetings = await db.query('SELECT * FROM meeting WHERE episode_id = $1 ORDER BY scheduled_at', [id]);
  const ids = meetings.rows.map((m) => (m as { id: string }).id);
  const invitees = await db.query('SELECT * FROM meeting_invitee WHERE meeting_id = ANY($1::uuid[])', [ids]);
  const meetingActions = await db.query('SELECT * FROM meeting_action WHERE meeting_id = ANY($1::uuid[])', [ids]);
  const child = await db.query(`SELECT p.*, n.given_names, n.family_name FROM episode e JOIN person p ON p.id = e.child_person_id
      JOIN person_name n ON n.person_id = p.id AND n.use = 'usual' WHERE e.id = $1`, [id]);
  return { episode: e.rows.length, actions: actions.rows.length, steps: steps.rows.length, meetings: meetings.rows.length, invitees: invitees.rows.length, meetingActions: meetingActions.rows.length, child: child.rows.length };
}

/** Runs one page's bare baseline; answers the counts of the rows it fetched. */
export async function barePage(db: Queryable, label: MixLabel | 'episode', args: BareArgs): Promise<BareCounts> {
  if (args.label !== label) throw new Error(`barePage: label ${label} given arguments for ${args.label}`);
  switch (args.label) {
    case 'person': return person(db, args.viewer, args.personId);
    case 'chronology': {
      const v = args.viewer;
      return { entries: (await db.query(CHRONOLOGY, [args.personId, v.agencyId, v.practitionerId, v.isLead])).rows.length };
    }
    case 'search': return search(db, args.viewer, args.name);
    case 'record': return record(db, args.viewer, args.personId, args.summary);
    case 'episode': return episode(db, args.episodeId);
  }
}
