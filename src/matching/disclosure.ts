import { decideMatchDisclosure, hasMatchingBasis, type MatchFacts } from '../access/policy.ts';
import { agencyTypeOf } from '../shared/agency-types.ts';
import { auditAll, refuse, type AuditInput } from '../audit/audit.ts';
import type { Queryable } from '../db/database.ts';
import { isSensitiveAgency } from '../partnership/schemas.ts';
import type { ActorContext } from '../shared/context.ts';
import { newId } from '../shared/ids.ts';
import type { Candidate } from './schemas.ts';

/**
 * Who learns that another agency knows a child (issue 16, defect 5). The matcher scores every
 * entry in the caller's partnerships; this module decides, through the pure policy
 * (`decideMatchDisclosure`), what the caller is told about each:
 * - their own agency's entries: as before, with the entry's id;
 * - another agency's, to a role with a basis (safeguarding lead, Caldicott guardian, children's
 *   social care): the agency's name — or only "another service" when it is sensitive — and an
 *   opaque reference (a match_offer row for this practitioner, valid for OFFER_HOURS), never the
 *   other agency's id for the entry;
 * - another agency's, to anyone else: nothing, and no hint; the page always says whom to ask.
 * Every cross-agency candidate shown is audited as a disclosure by the holding agency.
 */

export const OFFER_HOURS = 24;

/** Said with every answer, whatever was found, so that its presence says nothing about a match. */
export const ASK_YOUR_LEAD = 'If you think another agency knows this child, ask your safeguarding lead.';
export const BASIS_NOTICE = "Another agency's possible match is shown by name, or as \"another service\" when that service is sensitive; its own reference for the entry is never shown. Confirming one asks that agency to agree before anything is linked.";

/** What the matcher found, before the policy decides what the caller may be told. */
export interface ScoredCandidate extends Omit<Candidate, 'ref' | 'heldBy' | 'personId' | 'agencyId' | 'agencyName' | 'yourAgency'> {
  personId: string;
  agencyId: string;
  agencyName: string;
  agencyType: string;
  agencyFlaggedSensitive: boolean;
}

export { agencyTypeOf };

/** Whether the caller may be shown any other agency's entry at all: decides the SQL's reach and the notice. */
export async function callerHasBasis(ctx: ActorContext, tx: Queryable): Promise<boolean> {
  return hasMatchingBasis(ctx.actor, await agencyTypeOf(tx, ctx.actor.agencyId));
}

export const noticeFor = (basis: boolean): string => (basis ? BASIS_NOTICE : ASK_YOUR_LEAD);

const factsOf = (actorAgencyType: string, c: { agencyId: string; agencyType: string; agencyFlaggedSensitive: boolean }): MatchFacts => ({
  actorAgencyType, candidateAgencyId: c.agencyId, candidateAgencySensitive: isSensitiveAgency(c.agencyType, c.agencyFlaggedSensitive),
});

/**
 * One offer per practitioner and entry: shown again, it keeps its reference and runs for another
 * OFFER_HOURS. All of a list's offers in one statement, whatever its length.
 */
async function offers(ctx: ActorContext, tx: Queryable, wanted: readonly { c: ScoredCandidate; named: boolean }[]): Promise<Map<string, string>> {
  if (wanted.length === 0) return new Map();
  const now = ctx.clock.now();
  const { rows } = await tx.query<{ id: string; candidate_person_id: string }>(
    `INSERT INTO match_offer (id, practitioner_id, agency_id, candidate_person_id, candidate_agency_id, named, offered_at, expires_at)
     SELECT o.id, $1, $2, o.person_id, o.agency_id, o.named, $3, $4 FROM unnest($5::uuid[], $6::uuid[], $7::uuid[], $8::boolean[]) AS o(id, person_id, agency_id, named)
     ON CONFLICT (practitioner_id, candidate_person_id) DO UPDATE SET named = EXCLUDED.named, offered_at = EXCLUDED.offered_at, expires_at = EXCLUDED.expires_at, agency_id = EXCLUDED.agency_id
     RETURNING id, candidate_person_id`,
    [ctx.actor.practitionerId, ctx.actor.agencyId, now.toISOString(), new Date(now.getTime() + OFFER_HOURS * 3_600_000).toISOString(),
      wanted.map(() => newId()), wanted.map((w) => w.c.personId), wanted.map((w) => w.c.agencyId), wanted.map((w) => w.named)],
  );
  return new Map(rows.map((r) => [r.candidate_person_id, r.id]));
}

/**
 * Shapes scored candidates for the caller: drops what they may not learn, replaces another
 * agency's ids with offers, and audits each disclosure (the holding agency and entry, the offer,
 * whether the agency was named; ids only).
 */
export async function disclose(ctx: ActorContext, tx: Queryable, scored: readonly ScoredCandidate[], forPersonId?: string): Promise<Candidate[]> {
  const actorAgencyType = await agencyTypeOf(tx, ctx.actor.agencyId);
  const decided = scored.map((c) => ({ c, disclosure: decideMatchDisclosure(ctx.actor, factsOf(actorAgencyType, c)).disclosure }));
  // Another agency's entries the caller may be told of, each once (an entry is one offer).
  const offered = [...new Map(decided.filter((d) => d.disclosure === 'named' || d.disclosure === 'anonymous')
    .map((d) => [d.c.personId, { c: d.c, named: d.disclosure === 'named' }])).values()];
  const refs = await offers(ctx, tx, offered);
  const out: Candidate[] = [];
  const disclosures: AuditInput[] = [];
  for (const { c, disclosure } of decided) {
    const { personId, agencyId, agencyName, probability, matchWeight, confidence, explanation, contributions, conflicts } = c;
    const score = { probability, matchWeight, confidence, explanation, contributions, conflicts };
    switch (disclosure) {
      case 'none':
        continue;
      case 'own':
        out.push({ ref: personId, heldBy: 'your_agency', personId, agencyId, agencyName, yourAgency: true, ...score });
        continue;
      case 'named':
      case 'anonymous': {
        const named = disclosure === 'named';
        const ref = refs.get(personId)!;
        disclosures.push({
          action: 'person.candidate-disclosure', outcome: 'success', entityType: 'match_offer', entityId: ref, personId,
          detail: { holdingAgencyId: agencyId, toAgencyId: ctx.actor.agencyId, named, forPersonId: forPersonId ?? null },
        });
        out.push(named
          ? { ref, heldBy: 'another_agency', personId: null, agencyId, agencyName, yourAgency: false, ...score }
          : { ref, heldBy: 'another_service', personId: null, agencyId: null, agencyName: null, yourAgency: false, ...score });
        continue;
      }
      default: {
        const never: never = disclosure;
        throw new Error(`unknown disclosure ${String(never)}`);
      }
    }
  }
  // Every disclosure audited, one entry each as before, in one statement.
  await auditAll(ctx, tx, disclosures);
  return out;
}

/** The entry a candidate reference stands for, with what the policy needs to know about its agency. */
export interface ResolvedCandidate {
  personId: string;
  agencyId: string;
  sensitive: boolean;
  actorAgencyType: string;
  /** Reached through an offer (another agency's entry), not by its own id. */
  viaOffer: boolean;
}

/**
 * Resolves `ref` as given to the same-person and not-same-person endpoints: an entry of the
 * caller's own agency by its id, or another agency's entry through a live offer made to this
 * practitioner — if they still have the basis that offer was made on. Anything else (another
 * agency's id guessed or learnt elsewhere, an expired or someone else's offer) is refused exactly
 * as a person who does not exist.
 */
export async function resolveCandidate(ctx: ActorContext, tx: Queryable, ref: string, action: string, personId: string): Promise<ResolvedCandidate> {
  const actorAgencyType = await agencyTypeOf(tx, ctx.actor.agencyId);
  const own = (await tx.query<{ id: string }>('SELECT id FROM person WHERE id = $1 AND agency_id = $2', [ref, ctx.actor.agencyId])).rows[0];
  if (own) return { personId: own.id, agencyId: ctx.actor.agencyId, sensitive: false, actorAgencyType, viaOffer: false };
  const o = (await tx.query<{ candidate_person_id: string; candidate_agency_id: string; type: string; sensitive: boolean }>(
    `SELECT o.candidate_person_id, o.candidate_agency_id, a.type, a.sensitive
       FROM match_offer o JOIN person p ON p.id = o.candidate_person_id JOIN agency a ON a.id = p.agency_id
      WHERE o.id = $1 AND o.practitioner_id = $2 AND o.expires_at > $3 AND p.agency_id = o.candidate_agency_id`,
    [ref, ctx.actor.practitionerId, ctx.clock.now().toISOString()])).rows[0];
  const facts = o && factsOf(actorAgencyType, { agencyId: o.candidate_agency_id, agencyType: o.type, agencyFlaggedSensitive: o.sensitive });
  const still = facts && decideMatchDisclosure(ctx.actor, facts).disclosure;
  if (!o || !facts || still === 'none' || still === 'own') {
    throw refuse('person', { action, entityType: 'match_offer', entityId: ref, personId, outcome: 'not_found' });
  }
  return { personId: o.candidate_person_id, agencyId: o.candidate_agency_id, sensitive: facts.candidateAgencySensitive, actorAgencyType, viaOffer: true };
}
