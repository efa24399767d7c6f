import { audit, command, refuse } from '../audit/audit.ts';
import type { Queryable } from '../db/database.ts';
import { OFFER_THRESHOLD, scoreCandidates } from '../matching/candidates.ts';
import { disclose } from '../matching/disclosure.ts';
import type { MatchInput } from '../matching/record.ts';
import type { Candidate } from '../matching/schemas.ts';
import { indexAndSuggest } from '../matching/suggestions.ts';
import { childrenOfIn, refKey } from '../people/child-summary.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { conflict, invalid, type FieldProblem } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { openEpisode } from './episodes.ts';
import type { AgencyType } from '../partnership/schemas.ts';
import { REFERRAL_SOURCE_BY_AGENCY_TYPE } from '../statutory-returns/cin/codes.ts';
import { protectionHistoryIn, tellCaseHoldersOfHistory } from './previous-history.ts';
import type { AcceptReferral, ReferralCandidate, ReferralCandidates } from './referral-acceptance.schemas.ts';
import type { Referral, ReferralRelative, ReferralSubject } from './referral-schemas.ts';
import {
  getReferral, json, notifyRouted, openEpisodeFor, receivingOnly, referralInReach, referralKey, syncWrittenConfirmation, type ReferralRow,
} from './referrals.ts';

/**
 * Accepting a referral to children's social care (issue 17, item 6). Before accepting, the duty
 * social worker is offered the entries the authority already holds that may be the child — its
 * own index only, as the matching disclosure policy says of an agency's own entries — each with
 * the matcher's explanation and confidence; an unborn entry is found through the mother and the
 * expected date of delivery. The referral is placed with the entry chosen; a new entry is made
 * only when the worker says none of them is the child, and it carries the referral's address and
 * the parents or carers it names (found in the index, or added), so that earlier history is found.
 */

/** What the matcher compares, from the identity the referral carries (as store.ts reads a person). */
function matchInputOf(s: ReferralSubject): { input: MatchInput; postcodes: string[] } {
  const usual = s.names.find((n) => n.use === 'usual') ?? s.names[0];
  const unborn = s.kind === 'unborn';
  // An unborn child is not named yet: "Baby" is a placeholder, not evidence (as store.ts treats it).
  const placeholder = (name: string | undefined): string | null => (!name || (unborn && /\b(baby|unborn)\b/i.test(name)) ? null : name);
  const [current, ...older] = s.addresses;
  const parents = (s.relatives ?? []).filter((r) => r.relationship === 'parent' || r.relationship === 'parental_responsibility')
    .map((r) => r.names.find((n) => n.use === 'usual') ?? r.names[0]).filter((n) => n !== undefined).map((n) => `${n.givenNames} ${n.familyName}`.trim());
  return {
    input: {
      firstName: unborn ? null : usual?.givenNames ?? null,
      lastName: placeholder(usual?.familyName),
      otherNames: unborn ? [] : s.names.filter((n) => n !== usual).map((n) => ({ firstName: n.givenNames, lastName: n.familyName })),
      dateOfBirth: s.dateOfBirth,
      expectedDelivery: unborn ? s.expectedDateOfDelivery : null,
      sex: s.sex,
      nhsNumber: s.nhsNumber,
      address: current ? [current.line1, current.line2].filter(Boolean).join(' ') : null,
      postcode: current?.postcode ?? null,
      town: current?.town ?? null,
      parents,
    },
    postcodes: older.flatMap((a) => (a.postcode ? [a.postcode] : [])),
  };
}

/** The lowest probability scored at all; below OFFER_THRESHOLD only a shared parent and a close date keep a candidate. */
const MIN_SCORED = 0.01;
const levelOf = (c: { contributions: readonly { field: string; level: string }[] }, field: string): string | undefined => c.contributions.find((x) => x.field === field)?.level;

/** The caller's own agency's entries the referrer's entry is already linked to as the same child. */
async function linkedOwnEntries(tx: Queryable, agencyId: string, referrerEntry: string | null): Promise<string[]> {
  if (!referrerEntry) return [];
  const { rows } = await tx.query<{ id: string }>(
    `SELECT p.id FROM person_link l JOIN person p ON p.id = CASE WHEN l.person_id = $1 THEN l.other_person_id ELSE l.person_id END
      WHERE (l.person_id = $1 OR l.other_person_id = $1) AND l.unlinked_at IS NULL AND p.agency_id = $2 AND p.kind <> 'adult' ORDER BY p.created_at, p.id`,
    [referrerEntry, agencyId]);
  return rows.map((r) => r.id);
}

const LINKED: Omit<Candidate, 'ref' | 'personId' | 'agencyId' | 'agencyName'> = {
  heldBy: 'your_agency', yourAgency: true, probability: 1, matchWeight: 99, confidence: 'confident',
  explanation: "already recorded as the same child as the referrer's own entry", contributions: [], conflicts: [],
};

/**
 * The entries in the caller's own index that may be the referred child, most likely first. Only
 * the caller's own agency's children and unborn children are offered: the search reads no other
 * agency's entries, and whatever it returns passes through the disclosure policy, keeping only
 * what the policy calls the caller's own.
 */
async function candidatesIn(ctx: ActorContext, tx: Tx, r: ReferralRow): Promise<ReferralCandidate[]> {
  const { input, postcodes } = matchInputOf(json(r.subject));
  const namesOnly = !input.dateOfBirth && !input.nhsNumber && !input.expectedDelivery;
  // A baby known before birth has no name or date of birth of its own: the mother and the expected
  // date are the evidence, and the agency's own entry sharing both is worth a look whatever the probability.
  const scored = (await scoreCandidates(ctx.actor.agencyId, tx, input, postcodes, [], MIN_SCORED, true, namesOnly))
    .filter((c) => c.probability >= OFFER_THRESHOLD || (levelOf(c, 'parents') === 'share_a_parent' && ['exact', 'day_month_swapped', 'one_digit_different'].includes(levelOf(c, 'date_of_birth') ?? '')));
  const own = (await disclose(ctx, tx, scored.filter((c) => c.agencyId === ctx.actor.agencyId)))
    .filter((c): c is Candidate & { personId: string } => c.heldBy === 'your_agency' && c.personId !== null);
  const linked = await linkedOwnEntries(tx, ctx.actor.agencyId, r.child_person_id);
  const all = [
    ...linked.map((id) => ({ ...LINKED, ref: id, personId: id, agencyId: ctx.actor.agencyId, agencyName: own.find((c) => c.personId === id)?.agencyName ?? r.to_agency_name })),
    ...own.filter((c) => !linked.includes(c.personId)),
  ];
  if (all.length === 0) return [];
  const kinds = new Map((await tx.query<{ id: string; kind: string }>('SELECT id, kind FROM person WHERE id = ANY($1::uuid[]) AND agency_id = $2', [all.map((c) => c.personId), ctx.actor.agencyId])).rows
    .map((p) => [p.id, p.kind]));
  const children = all.filter((c) => kinds.has(c.personId) && kinds.get(c.personId) !== 'adult');
  const named = await childrenOfIn(ctx, tx, children.map((c) => ({ type: 'person', id: c.personId })));
  return children.flatMap((c) => {
    const child = named.get(refKey('person', c.personId))?.children[0];
    return child ? [{ ...c, child, linked: linked.includes(c.personId) }] : [];
  });
}

/** The possible entries for a referral's child in the receiving agency's own index (GET /referrals/{id}/candidates). */
export async function referralCandidates(ctx: ActorContext, id: string): Promise<ReferralCandidates> {
  return command(ctx, async (tx) => {
    const action = 'referral.candidates';
    const { r, side } = await referralInReach(ctx, tx, id, action);
    receivingOnly(ctx, side, r, action, 'look for the child in its index');
    if (r.to_agency_type !== 'childrens_social_care') throw conflict("Only children's social care places a referral's child in its index.");
    const candidates = r.handling === 'received' && !r.received_person_id ? await candidatesIn(ctx, tx, r) : [];
    await audit(ctx, tx, { action, outcome: 'success', entityType: 'referral', entityId: id, detail: { candidates: candidates.length } });
    return { candidates, placed: r.received_person_id };
  });
}

// ---------------------------------------------------------------------------------------------
// Placing the child

async function insertPerson(ctx: ActorContext, tx: Tx, kind: string, who: { names: ReferralSubject['names']; dateOfBirth: string | null; sex: string; addresses: ReferralSubject['addresses'] },
  extra: { expectedDateOfDelivery: string | null; nhsNumber: string | null }): Promise<string> {
  const id = newId();
  await tx.query(
    `INSERT INTO person (id, agency_id, kind, date_of_birth, expected_date_of_delivery, sex, nhs_number, created_by, created_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
    [id, ctx.actor.agencyId, kind, who.dateOfBirth, extra.expectedDateOfDelivery, who.sex, extra.nhsNumber, ctx.actor.practitionerId, ctx.clock.now().toISOString()]);
  for (const [i, n] of who.names.entries()) {
    await tx.query('INSERT INTO person_name (id, person_id, use, given_names, family_name, position) VALUES ($1,$2,$3,$4,$5,$6)', [newId(), id, n.use, n.givenNames, n.familyName, i]);
  }
  for (const [i, a] of who.addresses.entries()) {
    await tx.query('INSERT INTO person_address (id, person_id, line1, line2, town, postcode, position) VALUES ($1,$2,$3,$4,$5,$6,$7)', [newId(), id, a.line1, a.line2, a.town, a.postcode, i]);
  }
  return id;
}

/**
 * The agency's own entry for a parent or carer the referral names: one the matcher is confident
 * of (an adult, in the agency's own index), else a new one from the referral's details.
 */
async function relativeEntry(ctx: ActorContext, tx: Tx, rel: ReferralRelative): Promise<{ id: string; created: boolean }> {
  const usual = rel.names.find((n) => n.use === 'usual') ?? rel.names[0];
  const input: MatchInput = {
    firstName: usual?.givenNames ?? null, lastName: usual?.familyName ?? null, dateOfBirth: rel.dateOfBirth, sex: rel.sex,
    address: rel.addresses[0] ? [rel.addresses[0].line1, rel.addresses[0].line2].filter(Boolean).join(' ') : null, postcode: rel.addresses[0]?.postcode ?? null,
  };
  const scored = (await scoreCandidates(ctx.actor.agencyId, tx, input, [], [], 0.95, true)).filter((c) => c.agencyId === ctx.actor.agencyId && c.confidence === 'confident');
  if (scored.length) {
    const adults = (await tx.query<{ id: string }>("SELECT id FROM person WHERE id = ANY($1::uuid[]) AND agency_id = $2 AND kind = 'adult'", [scored.map((c) => c.personId), ctx.actor.agencyId])).rows;
    const best = scored.find((c) => adults.some((a) => a.id === c.personId));
    if (best) return { id: best.personId, created: false };
  }
  const id = await insertPerson(ctx, tx, 'adult', rel, { expectedDateOfDelivery: null, nhsNumber: null });
  await indexAndSuggest(tx, id, ctx.clock.now());
  await audit(ctx, tx, { action: 'person.create', outcome: 'success', entityType: 'person', entityId: id, personId: id, detail: { fromReferral: true } });
  return { id, created: true };
}

/** Creates the receiving agency's own entry from the identity the referral carries: address, and the parents or carers it names. */
async function createEntry(ctx: ActorContext, tx: Tx, s: ReferralSubject): Promise<string> {
  const id = await insertPerson(ctx, tx, s.kind, s, { expectedDateOfDelivery: s.expectedDateOfDelivery, nhsNumber: s.nhsNumber });
  const now = ctx.clock.now();
  const relatives: { id: string; created: boolean }[] = [];
  for (const rel of s.relatives ?? []) {
    const entry = await relativeEntry(ctx, tx, rel);
    relatives.push(entry);
    const relId = newId();
    await tx.query('INSERT INTO relationship (id, person_id, related_person_id, type, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6)',
      [relId, id, entry.id, rel.relationship, ctx.actor.practitionerId, now.toISOString()]);
    await audit(ctx, tx, { action: 'relationship.create', outcome: 'success', entityType: 'relationship', entityId: relId, personId: id, detail: { fromReferral: true } });
  }
  // Indexed after its relationships: the parents are what tells two same-named children apart.
  await indexAndSuggest(tx, id, now);
  await audit(ctx, tx, {
    action: 'person.create', outcome: 'success', entityType: 'person', entityId: id, personId: id,
    detail: { fromReferral: true, relatives: relatives.length, relativesAdded: relatives.filter((r) => r.created).length },
  });
  return id;
}

/** The allocated worker becomes the child's lead worker in the agency when it has none (10.10: the lead worker in each agency is known). */
async function leadWorkerIfNone(ctx: ActorContext, tx: Tx, personId: string, workerId: string | undefined): Promise<void> {
  if (!workerId) return;
  const has = (await tx.query('SELECT 1 FROM lead_worker WHERE person_id = $1 AND valid_to IS NULL', [personId])).rowCount > 0;
  if (has) return;
  const id = newId();
  await tx.query('INSERT INTO lead_worker (id, person_id, practitioner_id, valid_from, created_at) VALUES ($1,$2,$3,$4,$5)',
    [id, personId, workerId, ctx.clock.now().toISOString().slice(0, 10), ctx.clock.now().toISOString()]);
  await audit(ctx, tx, { action: 'lead-worker.set', outcome: 'success', entityType: 'lead_worker', entityId: id, personId, detail: { fromReferral: true } });
}

/** Records that the referrer's entry and the receiving agency's entry are the same child, unless already linked. */
async function linkSamePerson(ctx: ActorContext, tx: Tx, a: string, b: string): Promise<void> {
  if (a === b) return;
  const linked = (await tx.query(
    'SELECT 1 FROM person_link WHERE unlinked_at IS NULL AND ((person_id = $1 AND other_person_id = $2) OR (person_id = $2 AND other_person_id = $1))', [a, b])).rowCount > 0;
  if (linked) return;
  await tx.query('INSERT INTO person_link (id, person_id, other_person_id, decided_by, decided_at, reason) VALUES ($1,$2,$3,$4,$5,$6)', [
    newId(), b, a, ctx.actor.practitionerId, ctx.clock.now().toISOString(), 'The child of a referral accepted into this agency\'s index']);
}

type Placement =
  | { kind: 'done' }
  | { kind: 'open'; personId: string; madeAt: string; channel: ReferralRow['channel']; allocatedWorkerId: string | undefined; team: string | undefined; referralSource: string | undefined };

/**
 * The census's referral source (issue 20): what the worker chose, else — for a partner agency's
 * referral — what the referring agency's type counts as. A public referral's is chosen (the page
 * asks; the API may leave it for the data team to record).
 */
async function referralSourceOf(tx: Tx, r: ReferralRow, chosen: string | undefined): Promise<string | undefined> {
  if (chosen || r.from_public || !r.from_agency_id) return chosen;
  const type = (await tx.query<{ type: AgencyType }>('SELECT type FROM agency WHERE id = $1', [r.from_agency_id])).rows[0]?.type;
  return type ? REFERRAL_SOURCE_BY_AGENCY_TYPE[type] : undefined;
}

/**
 * Accepts a referral to children's social care: the child is placed in the agency's own index
 * (the entry chosen, or — "new" — one made from the referral) and an episode is opened with the
 * referral's received time and channel; the allocated worker and the team managers are told of
 * earlier child protection plans (episodes.ts). A child already open goes to the allocated worker instead.
 */
export async function acceptReferral(ctx: ActorContext, id: string, input: AcceptReferral): Promise<Referral> {
  const chosen = input.personId === 'new' ? undefined : input.personId;
  const placement = await command(ctx, async (tx): Promise<Placement> => {
    const action = 'referral.accept';
    const { r, side } = await referralInReach(ctx, tx, id, action, true);
    receivingOnly(ctx, side, r, action, 'accept it');
    if (r.to_agency_type !== 'childrens_social_care') {
      throw conflict("A referral to the police is acknowledged and decided in the queue: episodes are for children's social care.");
    }
    if (r.handling !== 'received') return { kind: 'done' };
    if (r.decided_at) throw conflict('This referral has already been decided.');
    if (r.received_person_id && chosen && chosen !== r.received_person_id) {
      throw conflict("This referral has already been placed with another entry in your agency's index.");
    }
    const problems: FieldProblem[] = [];
    if (input.allocatedWorkerId) {
      const w = (await tx.query('SELECT 1 FROM practitioner WHERE id = $1 AND agency_id = $2 AND active', [input.allocatedWorkerId, ctx.actor.agencyId])).rowCount;
      if (!w) problems.push({ pointer: '/allocatedWorkerId', detail: 'No active practitioner in your agency with that identifier' });
    }
    let personId = r.received_person_id;
    if (!personId && chosen) {
      const p = (await tx.query<{ agency_id: string; kind: string }>('SELECT agency_id, kind FROM person WHERE id = $1', [chosen])).rows[0];
      if (!p || p.agency_id !== ctx.actor.agencyId) {
        // Another agency's entry is answered like a missing one: only the agency's own index is offered.
        throw refuse('person', { action, entityType: 'person', entityId: chosen },
          invalid('The referral cannot be accepted yet.', [{ pointer: '/personId', detail: "No child with that identifier in your agency's index" }, ...problems]));
      }
      if (p.kind === 'adult') problems.push({ pointer: '/personId', detail: 'This person is recorded as an adult' });
    }
    if (problems.length) throw invalid('The referral cannot be accepted yet.', problems);
    // An episode this referral already opened (an earlier attempt stopped short) is finished, not routed to.
    const opened = personId !== null && (await tx.query(
      'SELECT 1 FROM episode e JOIN episode_action a ON a.episode_id = e.id AND a.seq = 1 WHERE e.child_person_id = $1 AND a.idempotency_key = $2',
      [personId, referralKey(id, '')])).rowCount > 0;
    const candidates = [personId ?? chosen, r.child_person_id].filter((x): x is string => typeof x === 'string');
    const open = opened ? undefined : await openEpisodeFor(tx, ctx.actor.agencyId, candidates);
    if (open) {
      // Already open to this agency: recorded against that episode, for the allocated worker (11.2, 12.3).
      if (r.child_person_id) await linkSamePerson(ctx, tx, r.child_person_id, open.child_person_id);
      await tx.query(`UPDATE referral SET handling = 'routed', received_person_id = $2, episode_id = $3, routed_to = $4 WHERE id = $1`, [id, open.child_person_id, open.id, open.allocated_worker_id]);
      await notifyRouted(tx, id, ctx.actor.agencyId, open.allocated_worker_id, r.urgent, ctx.clock.now());
      await tellCaseHoldersOfHistory(tx, ctx.actor.agencyId, open.child_person_id, open.allocated_worker_id, ctx.clock.now());
      await audit(ctx, tx, { action: 'referral.route', outcome: 'success', entityType: 'referral', entityId: id, personId: open.child_person_id, detail: { episodeId: open.id } });
      return { kind: 'done' };
    }
    if (!personId) {
      personId = chosen ?? await createEntry(ctx, tx, json(r.subject));
      if (r.child_person_id) await linkSamePerson(ctx, tx, r.child_person_id, personId);
      await tx.query('UPDATE referral SET received_person_id = $2 WHERE id = $1', [id, personId]);
      await audit(ctx, tx, { action: 'referral.place', outcome: 'success', entityType: 'referral', entityId: id, personId, detail: { onto: chosen ? 'existing' : 'new' } });
    }
    await leadWorkerIfNone(ctx, tx, personId, input.allocatedWorkerId);
    return { kind: 'open', personId, madeAt: r.made_at, channel: r.channel, allocatedWorkerId: input.allocatedWorkerId, team: input.team, referralSource: await referralSourceOf(tx, r, input.referralSource) };
  });
  if (placement.kind === 'open') {
    const episode = await openEpisode(ctx, {
      idempotencyKey: referralKey(id, ''), childPersonId: placement.personId, receivedAt: placement.madeAt, channel: placement.channel,
      allocatedWorkerId: placement.allocatedWorkerId, team: placement.team, referralSource: placement.referralSource,
    });
    await command(ctx, async (tx) => {
      await tx.query(`UPDATE referral SET handling = 'accepted', episode_id = $2, accepted_by = $3, accepted_at = $4 WHERE id = $1 AND handling = 'received'`,
        [id, episode.id, ctx.actor.practitionerId, ctx.clock.now().toISOString()]);
      const history = (await protectionHistoryIn(tx, ctx.actor.agencyId, placement.personId)).found.length;
      await audit(ctx, tx, { action: 'referral.accept', outcome: 'success', entityType: 'referral', entityId: id, personId: placement.personId, detail: { episodeId: episode.id, previousPlansAround: history } });
    });
    await syncWrittenConfirmation(ctx, id, ctx.clock.now().toISOString());
  }
  return getReferral(ctx, id);
}
