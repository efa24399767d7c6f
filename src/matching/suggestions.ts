import { audit, command } from '../audit/audit.ts';
import type { Queryable } from '../db/database.ts';
import { personInReach } from '../people/people.ts';
import { linkedEntries } from '../process/linked-entries.ts';
import type { ActorContext } from '../shared/context.ts';
import { OFFER_THRESHOLD, scoreCandidates } from './candidates.ts';
import { callerHasBasis } from './disclosure.ts';
import { indexPerson, type MatchEntry } from './store.ts';

/**
 * Possible same-person entries, looked for when an entry is written rather than each time its page
 * is opened (issue 21: the matcher's key lookup and scoring were a quarter of the person page's
 * work, on every view, for an answer that changes only when an entry does).
 *
 * When an entry is created or its names, date of birth, addresses or parents change, the matcher
 * scores it against the entries of its agency's partnerships, as the candidates page would for its
 * holder, and keeps each pair at or above the offer threshold in both directions: a new entry at the
 * police that looks like the school's pupil is then suggested on the pupil's page too. What is kept
 * is only which entries and how likely; the person page says how many there are (and of other
 * agencies' only to a role with a basis to learn of them, as the candidates themselves). The
 * candidates page still works the list out live, with the explanations, the disclosure policy and
 * the offers (candidates.ts, disclosure.ts), so a suggestion never shows more than a live look would.
 *
 * Pairs since linked, recorded as not the same person, or of an agency no longer in the holder's
 * partnerships are left out when read, not when written: undoing either brings the pair back.
 */

/** Indexes the entry for the matcher and looks for its possible same-person entries (every service that writes a person's matching facts). */
export async function indexAndSuggest(tx: Queryable, personId: string, at: Date): Promise<void> {
  const entry = await indexPerson(tx, personId, at);
  if (entry) await suggest(tx, personId, entry, at);
}

async function suggest(tx: Queryable, personId: string, entry: MatchEntry, at: Date): Promise<void> {
  // The entry's own cluster is never a suggestion; the not-same decisions are left out by the matcher's statement.
  const exclude = (await linkedEntries(tx, personId)).map((e) => e.personId);
  const scored = await scoreCandidates(entry.agencyId, tx, entry.input, entry.postcodes, [personId, ...exclude], OFFER_THRESHOLD, false, false, personId);
  const others = scored.map((c) => c.personId);
  const probabilities = scored.map((c) => c.probability);
  // The entry's time of looking stamped with the old pairs' removal; the new pairs in a statement of
  // their own (an INSERT cannot see what a DELETE in its own WITH removed).
  await tx.query(
    `WITH looked AS (UPDATE person_match SET suggested_at = $2 WHERE person_id = $1)
     DELETE FROM match_suggestion WHERE person_id = $1 OR other_person_id = $1`, [personId, at.toISOString()]);
  if (others.length > 0) await tx.query(
    `INSERT INTO match_suggestion (person_id, other_person_id, probability, found_at)
     SELECT $1, o, p, $4::timestamptz FROM unnest($2::uuid[], $3::float8[]) AS x(o, p)
     UNION ALL
     SELECT o, $1, p, $4::timestamptz FROM unnest($2::uuid[], $3::float8[]) AS x(o, p)`,
    [personId, others, probabilities, at.toISOString()],
  );
}

/** What the person page says about possible same-person entries: how many, found when. */
export interface SuggestionSummary {
  /** When they were last looked for from this entry; null: never (loaded in bulk, or written before they were kept). */
  lookedAt: string | null;
  /** Possible same-person entries held by the viewer's own agency. */
  yourAgency: number;
  /** Held by other agencies of the partnership: only for a role with a basis to learn of them (otherwise not told). */
  otherAgencies?: number;
}

/**
 * The suggestions for one of the caller's agency's entries, as counts. Another agency's suggestions
 * are counted only for a role with a basis to learn of other agencies' entries (disclosure.ts): for
 * anyone else the answer, like the live candidates, does not depend on what other agencies hold.
 */
export async function suggestionsFor(ctx: ActorContext, personId: string): Promise<SuggestionSummary> {
  return command(ctx, async (tx) => {
    await personInReach(ctx, tx, personId, 'update', 'person.suggestions');
    const cluster = (await linkedEntries(tx, personId, ctx.reads)).map((e) => e.personId);
    const basis = await callerHasBasis(ctx, tx);
    const { rows } = await tx.query<{ looked_at: string | null; own: string; other: string }>(
      `SELECT to_char(m.suggested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS looked_at,
              count(o.id) FILTER (WHERE o.agency_id = m.agency_id) AS own, count(o.id) FILTER (WHERE o.agency_id <> m.agency_id) AS other
         FROM person_match m
         LEFT JOIN match_suggestion s ON s.person_id = m.person_id AND s.other_person_id <> ALL($2::uuid[])
              AND NOT EXISTS (SELECT 1 FROM person_not_same ns WHERE ns.undone_at IS NULL
                                AND ((ns.person_id = s.person_id AND ns.other_person_id = s.other_person_id) OR (ns.person_id = s.other_person_id AND ns.other_person_id = s.person_id)))
         LEFT JOIN person o ON o.id = s.other_person_id
              AND (o.agency_id = m.agency_id OR o.agency_id IN (SELECT pb.agency_id FROM partnership_agency pa JOIN partnership_agency pb ON pb.partnership_id = pa.partnership_id WHERE pa.agency_id = m.agency_id))
        WHERE m.person_id = $1
        GROUP BY m.suggested_at`,
      [personId, cluster],
    );
    const row = rows[0];
    const summary: SuggestionSummary = { lookedAt: row?.looked_at ?? null, yourAgency: Number(row?.own ?? 0), ...(basis ? { otherAgencies: Number(row?.other ?? 0) } : {}) };
    // Counts of entries that may be this person are a read about them, audited with the page's other reads.
    await audit(ctx, tx, { action: 'person.suggestions', outcome: 'success', entityType: 'person', entityId: personId, personId, detail: { yourAgency: summary.yourAgency, ...(basis ? { otherAgencies: summary.otherAgencies } : {}) } });
    return summary;
  });
}
