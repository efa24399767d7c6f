import { ifGiven } from '../db/filters.ts';
import { checkView } from '../access/views.ts';
import { decideAgency, decidePerson } from '../access/policy.ts';
import { audit, auditAll, command, refuse, type AuditInput } from '../audit/audit.ts';
import type { Queryable } from '../db/database.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { invalid, type FieldProblem } from '../shared/errors.ts';
import { londonDate } from '../calendar/working-days.ts';
import { newId } from '../shared/ids.ts';
import { grantsFor, liveGrants, withGrants, type GrantInfo } from '../sharing/grants.ts';
import { nameSearchKeys } from '../matching/store.ts';
import { indexAndSuggest } from '../matching/suggestions.ts';
import type { LeadWorker, NewAddress, NewLeadWorker, NewName, NewPersonParsed, NewRelationship, Person, PersonSearch, PersonSearchKey, Relationship } from './schemas.ts';
import { readOnce, type RequestReads } from '../shared/request-reads.ts';
import { SUMMARY_NAME_SQL, summaryKey, type PersonRow as SummaryRow } from './child-summary.ts';
import { keysetPage, sqlKeyTime, type Page, type PageRequest } from '../shared/pagination.ts';

interface PersonRow {
  id: string;
  agency_id: string;
  kind: Person['kind'];
  date_of_birth: string | null;
  expected_date_of_delivery: string | null;
  sex: Person['sex'];
  nhs_number: string | null;
  preferred_language: string | null;
  communication_needs: string | null;
  created_at: string;
}

export type PersonFactsRow = Pick<PersonRow, 'id' | 'agency_id' | 'kind' | 'date_of_birth'> & {
  /** Grants naming the actor for records about this person: empty for the actor's own agency's people. */
  grants: GrantInfo[];
};

/**
 * Who holds a person and what kind of person they are, undefined for an id that names no one: facts
 * for a policy decision, not a decision. Given the request's reads (a page), read once per request.
 */
export function personFacts(tx: Queryable, personId: string, reads?: RequestReads): Promise<Omit<PersonFactsRow, 'grants'> | undefined> {
  return readOnce(reads, `person:${personId}`, async () =>
    (await tx.query<Omit<PersonFactsRow, 'grants'>>('SELECT id, agency_id, kind, date_of_birth FROM person WHERE id = $1', [personId])).rows[0]);
}

/**
 * Loads a person the actor may act on, or refuses exactly as if the person did not exist.
 * Every path into a person's data starts here. Another agency's person can be read (never
 * changed) while a live share about them names the actor.
 */
export async function personInReach(ctx: ActorContext, tx: Queryable, personId: string, action: 'read' | 'update' | 'add-record', auditAction: string): Promise<PersonFactsRow> {
  // Read once per page (ctx.reads): the policy below still decides on them for every service that asks.
  const row = await personFacts(tx, personId, ctx.reads);
  // Grants are looked up for any person not the caller's own, and for an id that names no one: a person
  // another agency holds is then refused after the same queries as an id that exists nowhere, so the
  // time to answer cannot tell them apart ("out of reach looks like it does not exist").
  const grants = action === 'read' && row?.agency_id !== ctx.actor.agencyId
    ? await readOnce(ctx.reads, `grants:${personId}`, () => grantsFor(tx, ctx.actor, { personIds: [personId] }))
    : [];
  if (!row) throw refuse('person', { action: auditAction, entityType: 'person', entityId: personId, outcome: 'not_found' });
  if (!decidePerson(withGrants(ctx.actor, grants), action, { id: row.id, agencyId: row.agency_id }, ctx.clock.now()).allowed) {
    throw refuse('person', { action: auditAction, entityType: 'person', entityId: personId, personId });
  }
  return { ...row, grants };
}

/** How far ahead an expected date of delivery may be: a pregnancy lasts about 42 weeks at most. */
const LONGEST_PREGNANCY_DAYS = 300;

/**
 * The rules on a person's dates relative to today (the schema keeps them within 1900–2099): a date
 * of birth is not in the future, and an unborn child's expected date of delivery not beyond a
 * pregnancy from now. Today is the London date by the service's clock.
 */
export function birthDateProblems(now: Date, p: { dateOfBirth?: string | undefined; expectedDateOfDelivery?: string | undefined }, prefix = ''): FieldProblem[] {
  const today = londonDate(now);
  const problems: FieldProblem[] = [];
  if (p.dateOfBirth && p.dateOfBirth > today) problems.push({ pointer: `${prefix}/dateOfBirth`, detail: 'A date of birth cannot be in the future' });
  const latestDelivery = londonDate(new Date(now.getTime() + LONGEST_PREGNANCY_DAYS * 86_400_000));
  if (p.expectedDateOfDelivery && p.expectedDateOfDelivery > latestDelivery) {
    problems.push({ pointer: `${prefix}/expectedDateOfDelivery`, detail: `An expected date of delivery is at most ${LONGEST_PREGNANCY_DAYS} days from today` });
  }
  return problems;
}

export async function createPerson(ctx: ActorContext, input: NewPersonParsed): Promise<Person> {
  return command(ctx, async (tx) => {
    if (!decideAgency(ctx.actor, 'create-person', ctx.actor.agencyId).allowed) {
      throw refuse('agency', { action: 'person.create', entityType: 'agency', entityId: ctx.actor.agencyId });
    }
    const dates = birthDateProblems(ctx.clock.now(), input);
    if (dates.length) throw invalid('These dates are not possible.', dates);
    const id = newId();
    const now = ctx.clock.now().toISOString();
    await tx.query(
      `INSERT INTO person (id, agency_id, kind, date_of_birth, expected_date_of_delivery, sex, nhs_number, preferred_language, communication_needs, created_by, created_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
      [id, ctx.actor.agencyId, input.kind, input.dateOfBirth ?? null, input.expectedDateOfDelivery ?? null, input.sex, input.nhsNumber ?? null,
        input.preferredLanguage ?? null, input.communicationNeeds ?? null, ctx.actor.practitionerId, now],
    );
    for (const [i, n] of input.names.entries()) {
      await tx.query('INSERT INTO person_name (id, person_id, use, given_names, family_name, position) VALUES ($1,$2,$3,$4,$5,$6)', [newId(), id, n.use, n.givenNames, n.familyName, i]);
    }
    for (const [i, a] of input.addresses.entries()) {
      await tx.query(
        'INSERT INTO person_address (id, person_id, line1, line2, town, postcode, valid_from, valid_to, position) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)',
        [newId(), id, a.line1, a.line2 ?? null, a.town ?? null, a.postcode ?? null, a.validFrom ?? null, a.validTo ?? null, i],
      );
    }
    await indexAndSuggest(tx, id, ctx.clock.now());
    await audit(ctx, tx, { action: 'person.create', outcome: 'success', entityType: 'person', entityId: id, personId: id });
    return loadPerson(tx, id);
  });
}

async function loadPerson(tx: Queryable, id: string): Promise<Person> {
  return (await loadPeople(tx, [id]))[0]!;
}

type NameJson = { use: string; givenNames: string; familyName: string };
type AddressJson = { line1: string; line2: string | null; town: string | null; postcode: string | null; validFrom: string | null; validTo: string | null };
type RelationshipJson = { id: string; relatedPersonId: string; type: Relationship['type']; validFrom: string | null; validTo: string | null };

/**
 * A person's row with their names, addresses, relationships and lead workers, each list built in
 * the order it was read in when these were five statements (a page's round trips, issue 21). The
 * lists' dates are SQL dates, which JSON gives as the same 'YYYY-MM-DD' text the driver gives.
 */
const PEOPLE_SQL = `SELECT p.id, p.agency_id, p.kind, p.date_of_birth, p.expected_date_of_delivery, p.sex, p.nhs_number, p.preferred_language, p.communication_needs, p.created_at,
    (SELECT json_agg(json_build_object('use', n.use, 'givenNames', n.given_names, 'familyName', n.family_name) ORDER BY n.position)
       FROM person_name n WHERE n.person_id = p.id) AS names,
    (SELECT json_agg(json_build_object('line1', a.line1, 'line2', a.line2, 'town', a.town, 'postcode', a.postcode, 'validFrom', a.valid_from, 'validTo', a.valid_to) ORDER BY a.position)
       FROM person_address a WHERE a.person_id = p.id) AS addresses,
    (SELECT json_agg(json_build_object('id', r.id, 'relatedPersonId', r.related_person_id, 'type', r.type, 'validFrom', r.valid_from, 'validTo', r.valid_to)
                     ORDER BY r.created_at, r.type, r.valid_from, r.id)
       FROM relationship r WHERE r.person_id = p.id) AS relationships,
    (SELECT json_agg(json_build_object('id', l.id, 'practitionerId', l.practitioner_id, 'practitionerName', pr.name, 'validFrom', l.valid_from, 'validTo', l.valid_to)
                     ORDER BY l.valid_from, l.created_at)
       FROM lead_worker l JOIN practitioner pr ON pr.id = l.practitioner_id WHERE l.person_id = p.id) AS lead_workers`;

/** The people named in one person's relationships, each as peopleNames reads them (id, agency, names in order). */
const RELATED_SQL = `(SELECT json_agg(json_build_object('id', q.id, 'agency_id', q.agency_id, 'names',
        (SELECT json_agg(json_build_object('use', n.use, 'givenNames', n.given_names, 'familyName', n.family_name) ORDER BY n.position) FROM person_name n WHERE n.person_id = q.id)))
       FROM person q WHERE q.id IN (SELECT r.related_person_id FROM relationship r WHERE r.person_id = p.id)) AS related`;

type NamesRow = { id: string; agency_id: string; names: NameJson[] | null };
type LoadedRow = PersonRow & { names: NameJson[] | null; addresses: AddressJson[] | null; relationships: RelationshipJson[] | null; lead_workers: LeadWorker[] | null; related?: NamesRow[] | null };

/**
 * These people, in the order given, each as loadPerson gives them: one statement however many
 * (a search's page of 50 was 250 before, then five).
 */
async function loadPeople(tx: Queryable, ids: readonly string[]): Promise<Person[]> {
  if (ids.length === 0) return [];
  const persons = new Map((await tx.query<LoadedRow>(`${PEOPLE_SQL} FROM person p WHERE p.id = ANY($1::uuid[])`, [ids])).rows.map((r) => [r.id, r]));
  return ids.map((id) => toPerson(persons.get(id)!));
}

function toPerson(row: LoadedRow): Person {
    return {
      id: row.id,
      agencyId: row.agency_id,
      kind: row.kind,
      names: (row.names ?? []).map((n) => ({ use: n.use, givenNames: n.givenNames, familyName: n.familyName })),
      dateOfBirth: row.date_of_birth,
      expectedDateOfDelivery: row.expected_date_of_delivery,
      sex: row.sex,
      nhsNumber: row.nhs_number,
      addresses: (row.addresses ?? []).map((a) => ({ line1: a.line1, line2: a.line2, town: a.town, postcode: a.postcode, validFrom: a.validFrom, validTo: a.validTo })),
      preferredLanguage: row.preferred_language,
      communicationNeeds: row.communication_needs,
      relationships: (row.relationships ?? []).map((r) => ({ id: r.id, personId: row.id, relatedPersonId: r.relatedPersonId, type: r.type, validFrom: r.validFrom, validTo: r.validTo })),
      leadWorkers: (row.lead_workers ?? []).map((l): LeadWorker => ({ id: l.id, practitionerId: l.practitionerId, practitionerName: l.practitionerName, validFrom: l.validFrom, validTo: l.validTo })),
      access: 'own',
      createdAt: row.created_at,
    };
}

/** The request's key for peopleNames' rows for these people (whatever their order or repeats). */
const namesKey = (ids: readonly string[]): string => `names:${[...new Set(ids)].sort().join(',')}`;

/**
 * A person as the caller may see them. `forPersonPage`: the person's own page, which also names the
 * person's relatives and shows their worklist row: those rows are read with the person.
 */
export async function getPerson(ctx: ActorContext, id: string, opts: { forPersonPage?: boolean } = {}): Promise<Person> {
  return command(ctx, async (tx) => {
    const facts = await personInReach(ctx, tx, id, 'read', 'person.read');
    await audit(ctx, tx, { action: 'person.read', outcome: 'success', entityType: 'person', entityId: id, personId: id });
    if (facts.agency_id !== ctx.actor.agencyId || !ctx.reads || !opts.forPersonPage) {
      const person = await loadPerson(tx, id);
      return facts.agency_id === ctx.actor.agencyId ? person : asRecipientSees(person, liveGrants(facts.grants, ctx.clock.now()));
    }
    // A page (ctx.reads) names the people in an own person's relationships (peopleNames) and the
    // person in its worklists (childrenOf): the rows those read come with the person, round trips
    // fewer (issue 21). Each still decides and audits on them; only their reading moved.
    const row = (await tx.query<LoadedRow & { summary_name: string | null }>(
      `${PEOPLE_SQL}, ${RELATED_SQL}, ${SUMMARY_NAME_SQL} AS summary_name FROM person p WHERE p.id = $1`, [id])).rows[0]!;
    const person = toPerson(row);
    const related = row.related ?? [];
    void ctx.reads.once(namesKey(person.relationships.map((r) => r.relatedPersonId)), () => Promise.resolve(related));
    const summary: SummaryRow = { id: row.id, agency_id: row.agency_id, kind: row.kind, date_of_birth: row.date_of_birth, expected_date_of_delivery: row.expected_date_of_delivery, name: row.summary_name };
    void ctx.reads.once(summaryKey([id]), () => Promise.resolve([summary]));
    return person;
  });
}

/**
 * The names of these people, for a page that lists them (a person's relationships): those
 * the caller may read, each audited as read exactly as getPerson audits it; anyone out of reach is
 * left out and audited as refused, as getPerson's refusal is. Three statements however many.
 */
export async function peopleNames(ctx: ActorContext, ids: readonly string[]): Promise<Map<string, Pick<Person, 'names'>>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  return command(ctx, async (tx) => {
    // Given the request's reads, the person's page has read these with the person (getPerson).
    const rows = await readOnce(ctx.reads, namesKey(unique), async () => (await tx.query<NamesRow>(
      `SELECT p.id, p.agency_id,
              (SELECT json_agg(json_build_object('use', n.use, 'givenNames', n.given_names, 'familyName', n.family_name) ORDER BY n.position) FROM person_name n WHERE n.person_id = p.id) AS names
         FROM person p WHERE p.id = ANY($1::uuid[])`, [unique])).rows);
    const found = new Map(rows.map((r) => [r.id, r]));
    // As personInReach: grants are looked up for anyone not the caller's own and for ids naming no one.
    const others = unique.filter((id) => found.get(id)?.agency_id !== ctx.actor.agencyId);
    const actor = withGrants(ctx.actor, await grantsFor(tx, ctx.actor, { personIds: others }));
    const now = ctx.clock.now();
    const out = new Map<string, Pick<Person, 'names'>>();
    const entries: AuditInput[] = [];
    for (const id of unique) {
      const row = found.get(id);
      if (!row) entries.push({ action: 'person.read', outcome: 'not_found', entityType: 'person', entityId: id });
      else if (!decidePerson(actor, 'read', { id, agencyId: row.agency_id }, now).allowed) entries.push({ action: 'person.read', outcome: 'denied', entityType: 'person', entityId: id, personId: id });
      else {
        entries.push({ action: 'person.read', outcome: 'success', entityType: 'person', entityId: id, personId: id });
        out.set(id, { names: row.names ?? [] });
      }
    }
    await auditAll(ctx, tx, entries);
    return out;
  });
}

/**
 * What a recipient of shared records sees of the person they are about: enough to know who it
 * is and whom to ask, no more. Relationships name third parties and stay with the holding
 * agency; the address only when a decision chose to include it.
 */
function asRecipientSees(person: Person, grants: GrantInfo[]): Person {
  return {
    ...person,
    access: 'shared',
    addresses: grants.some((g) => g.includeAddress) ? person.addresses : [],
    relationships: [],
  };
}

/**
 * People in the caller's agency's index matching a name (its words, or how it sounds), date of
 * birth or NHS number, in the order they were added. Cross-agency candidates come from matching.
 */
export async function searchPeople(ctx: ActorContext, q: PersonSearch, req: PageRequest<PersonSearchKey> = { limit: 50 }): Promise<Person[]> {
  return (await searchPeoplePage(ctx, q, req)).items;
}

/**
 * The words of a searched name as the search compares them: lower-cased, each once. Each word is
 * a LIKE pattern of its own (its % and _ match anything, as they always have).
 */
export function searchTerms(name: string | undefined): string[] {
  return [...new Set((name ?? '').toLowerCase().split(/\s+/).filter(Boolean))];
}

/** That a name (n) holds every word: the expression the trigram index of migration 037 is built on. */
export function nameWordsSql(terms: readonly string[], first: number): string {
  return terms.map((_, i) => `lower(n.given_names || ' ' || n.family_name) LIKE '%' || $${first + i}::text || '%'`).join(' AND ');
}

/**
 * The condition that a person (p) bears a searched name: one of their names holds every word, or
 * they share a key with how the name sounds. One LIKE per word, so that the trigram index on the
 * compared expression (migration 037) can answer it. The words are parameters from `first` on.
 *
 * With a word of three letters or more, the people bearing the name are looked up first, in the
 * index and under the keys, partnership-wide: for a name ("Poppie Westbury") a handful, whose
 * entries are then read by id, kept if the agency's, and put in the list's order. (Before, the
 * agency's people were walked in the list's order, index person_agency_added, each checked against
 * the names found, until the page was full: for a name with fewer than a page of matches that was
 * every one of the agency's people, 4,463 at 150,000 people against 499 at 15,000.) PostgreSQL may
 * still walk the agency in order when it expects the name to be common there (one common first
 * name): either way the rows are the same. Words too short to hold a trigram (one or two letters)
 * alone are compared person by person, in the list's order, until the page is full: quick for a
 * common pair of letters, the whole agency for a rare one.
 */
export function nameMatchSql(terms: readonly string[], first: number, keysParam: number): string {
  // A mistyped name ("Connor Madox" for Conor Maddox) is found by how it sounds (the matcher's keys).
  const byKey = `SELECT k.person_id FROM person_match_key k WHERE k.key = ANY($${keysParam}::text[])`;
  if (terms.some((t) => /[\p{L}\p{N}]{3}/u.test(t))) {
    return `p.id IN (SELECT n.person_id FROM person_name n WHERE ${nameWordsSql(terms, first)} UNION ALL ${byKey})`;
  }
  // With no word of three letters the index has nothing to look up, and reading every name in the
  // partnership (what PostgreSQL would otherwise do) costs far more than reading the names of the
  // agency's people in order until the page is full: OFFSET 0 keeps the check person by person.
  return `(EXISTS (SELECT 1 FROM person_name n WHERE n.person_id = p.id AND ${nameWordsSql(terms, first)} OFFSET 0)
               OR EXISTS (${byKey} AND k.person_id = p.id))`;
}

/** One page of a search; the cursor moves on past anyone the policy does not show. */
export async function searchPeoplePage(ctx: ActorContext, q: PersonSearch, req: PageRequest<PersonSearchKey>): Promise<Page<Person>> {
  return command(ctx, async (tx) => {
    checkView(ctx, 'people', 'person.search', 'not-found');
    const terms = searchTerms(q.name);
    const { rows, nextCursor } = await keysetPage('people.search', req, async (after, n) => (await tx.query<{ id: string; key_at: string }>(
      // Only the filters given are in the statement (src/db/filters.ts).
      `SELECT p.id, ${sqlKeyTime('p.created_at')} AS key_at FROM person p
        WHERE p.agency_id = $1
          AND ${ifGiven(q.nhsNumber, 'p.nhs_number = $2', '$2::text')}
          AND ${ifGiven(q.dateOfBirth, 'p.date_of_birth = $3', '$3::date')}
          ${terms.length > 0 ? `AND ${nameMatchSql(terms, 8, 7)}` : ''}
          AND ${ifGiven(after, '(p.created_at, p.id) > ($4::timestamptz, $5::uuid)', '$4::timestamptz', '$5::uuid')}
        ORDER BY p.created_at, p.id LIMIT $6`,
      [ctx.actor.agencyId, q.nhsNumber ?? null, q.dateOfBirth ?? null, after?.[0] ?? null, after?.[1] ?? null, n, ...(terms.length > 0 ? [nameSearchKeys(q.name ?? ''), ...terms] : [])],
    )).rows, (r): PersonSearchKey => [r.key_at, r.id], (r) => decidePerson(ctx.actor, 'read', { id: r.id, agencyId: ctx.actor.agencyId }).allowed);
    const people = await loadPeople(tx, rows.map((r) => r.id));
    await audit(ctx, tx, { action: 'person.search', outcome: 'success', detail: { results: people.length } });
    return { items: people, nextCursor };
  });
}

async function relatedPersonInReach(ctx: ActorContext, tx: Tx, personId: string, relatedPersonId: string): Promise<void> {
  const related = (await tx.query<{ agency_id: string }>('SELECT agency_id FROM person WHERE id = $1', [relatedPersonId])).rows[0];
  const missing = invalid('The related person must be someone your agency holds.', [{ pointer: '/relatedPersonId', detail: 'No person with that identifier' }]);
  if (!related) throw refuse('person', { action: 'relationship.create', entityType: 'person', entityId: relatedPersonId, personId, outcome: 'not_found' }, missing);
  if (!decidePerson(ctx.actor, 'update', { id: relatedPersonId, agencyId: related.agency_id }).allowed) {
    throw refuse('person', { action: 'relationship.create', entityType: 'person', entityId: relatedPersonId, personId }, missing);
  }
}

export async function addRelationship(ctx: ActorContext, personId: string, input: NewRelationship): Promise<Relationship> {
  return command(ctx, async (tx) => {
    await personInReach(ctx, tx, personId, 'update', 'relationship.create');
    if (input.relatedPersonId === personId) throw invalid('A person cannot be related to themself.', [{ pointer: '/relatedPersonId', detail: 'Choose a different person' }]);
    await relatedPersonInReach(ctx, tx, personId, input.relatedPersonId);
    const id = newId();
    await tx.query(
      'INSERT INTO relationship (id, person_id, related_person_id, type, valid_from, valid_to, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)',
      [id, personId, input.relatedPersonId, input.type, input.validFrom ?? null, input.validTo ?? null, ctx.actor.practitionerId, ctx.clock.now().toISOString()],
    );
    await indexAndSuggest(tx, personId, ctx.clock.now());
    await audit(ctx, tx, { action: 'relationship.create', outcome: 'success', entityType: 'relationship', entityId: id, personId });
    return { id, personId, relatedPersonId: input.relatedPersonId, type: input.type, validFrom: input.validFrom ?? null, validTo: input.validTo ?? null };
  });
}

/** Names the caller's agency's lead worker for a person; the previous one's period ends the day before. */
export async function setLeadWorker(ctx: ActorContext, personId: string, input: NewLeadWorker): Promise<LeadWorker> {
  return command(ctx, async (tx) => {
    await personInReach(ctx, tx, personId, 'update', 'lead-worker.set');
    const worker = (await tx.query<{ name: string; agency_id: string; active: boolean }>('SELECT name, agency_id, active FROM practitioner WHERE id = $1', [input.practitionerId])).rows[0];
    if (!worker || worker.agency_id !== ctx.actor.agencyId || !worker.active) {
      throw invalid('The lead worker must be an active practitioner in your agency.', [{ pointer: '/practitionerId', detail: 'No practitioner in your agency with that identifier' }]);
    }
    const from = input.validFrom ?? ctx.clock.now().toISOString().slice(0, 10);
    await tx.query(
      `UPDATE lead_worker SET valid_to = ($2::date - 1) WHERE person_id = $1 AND valid_to IS NULL AND valid_from < $2::date`,
      [personId, from],
    );
    const id = newId();
    await tx.query('INSERT INTO lead_worker (id, person_id, practitioner_id, valid_from, created_at) VALUES ($1,$2,$3,$4,$5)', [id, personId, input.practitionerId, from, ctx.clock.now().toISOString()]);
    await audit(ctx, tx, { action: 'lead-worker.set', outcome: 'success', entityType: 'lead_worker', entityId: id, personId });
    return { id, practitionerId: input.practitionerId, practitionerName: worker.name, validFrom: from, validTo: null };
  });
}


/** Adds an alias, a previous name or a new usual name; earlier names are kept. */
export async function addName(ctx: ActorContext, personId: string, input: NewName): Promise<Person> {
  return command(ctx, async (tx) => {
    await personInReach(ctx, tx, personId, 'update', 'person.add-name');
    if (input.use === 'usual') {
      // The new usual name replaces the old one as "usual"; the old one is kept as "previous".
      await tx.query(`UPDATE person_name SET use = 'previous' WHERE person_id = $1 AND use = 'usual'`, [personId]);
    }
    await tx.query(
      'INSERT INTO person_name (id, person_id, use, given_names, family_name, position) VALUES ($1,$2,$3,$4,$5,(SELECT coalesce(max(position) + 1, 0) FROM person_name WHERE person_id = $2))',
      [newId(), personId, input.use, input.givenNames, input.familyName],
    );
    await indexAndSuggest(tx, personId, ctx.clock.now());
    await audit(ctx, tx, { action: 'person.add-name', outcome: 'success', entityType: 'person', entityId: personId, personId });
    return loadPerson(tx, personId);
  });
}

/**
 * Records a new address. When it has a start date, open-ended addresses that began earlier end
 * the day before: the family has moved, and the history shows where they lived when.
 */
export async function addAddress(ctx: ActorContext, personId: string, input: NewAddress): Promise<Person> {
  return command(ctx, async (tx) => {
    await personInReach(ctx, tx, personId, 'update', 'person.add-address');
    if (input.validFrom) {
      await tx.query('UPDATE person_address SET valid_to = ($2::date - 1) WHERE person_id = $1 AND valid_to IS NULL AND valid_from < $2::date', [personId, input.validFrom]);
    }
    await tx.query(
      `INSERT INTO person_address (id, person_id, line1, line2, town, postcode, valid_from, valid_to, position)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,(SELECT coalesce(max(position) + 1, 0) FROM person_address WHERE person_id = $2))`,
      [newId(), personId, input.line1, input.line2 ?? null, input.town ?? null, input.postcode ?? null, input.validFrom ?? null, input.validTo ?? null],
    );
    await indexAndSuggest(tx, personId, ctx.clock.now());
    await audit(ctx, tx, { action: 'person.add-address', outcome: 'success', entityType: 'person', entityId: personId, personId });
    return loadPerson(tx, personId);
  });
}
