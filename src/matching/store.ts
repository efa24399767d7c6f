import type { Queryable } from '../db/database.ts';
import { BLOCKING_RULES } from './blocking.ts';
import { normaliseDob, phonetic } from './normalise.ts';
import { prepare, type MatchInput } from './record.ts';

/**
 * Keeps the matcher's copy of a person (person_match, person_match_key, person_match_term) in
 * step with the person. Called inside the transaction that changes the person.
 */

/** Blocking keys of a person: those of their usual name and address, and of every other name and postcode they are known by. */
export function matchKeys(input: MatchInput, extraPostcodes: readonly string[] = []): string[] {
  const variants: MatchInput[] = [input];
  for (const n of input.otherNames ?? []) variants.push({ ...input, firstName: n.firstName || input.firstName, lastName: n.lastName || input.lastName });
  for (const pc of extraPostcodes) variants.push({ ...input, postcode: pc });
  const keys = new Set<string>();
  for (const v of variants) {
    const p = prepare(v);
    BLOCKING_RULES.forEach((rule, i) => {
      const k = rule.key(p);
      if (k !== null) keys.add(`${i}:${k}`);
    });
  }
  return [...keys];
}

/**
 * Keys kept for the product's searches, not for batch runs (which block on BLOCKING_RULES alone):
 * the surname's sound, for a search by name alone (a surname, or a mistyped name with no date of
 * birth), and each recorded parent's name sound, which finds an unborn child's entry (no name of
 * its own, no date of birth) from its mother. Prefixed with letters so they never clash with the
 * numbered rules' keys.
 */
export function searchKeys(input: MatchInput): string[] {
  const p = prepare(input);
  const keys: string[] = [];
  if (p.lastDm) keys.push(`s:${p.lastDm}`);
  for (const parent of p.parents ?? []) {
    const words = parent.split(' ');
    const [first, last] = [phonetic(words[0] ?? '')[0], phonetic(words.slice(1).join(''))[0]];
    if (first && last) keys.push(`p:${first}|${last}`);
  }
  return keys;
}

const NAMES_SOUND = BLOCKING_RULES.findIndex((r) => r.name === 'names_sound');

/**
 * The keys under which the people search (free text, "Connor Madox", "Madox") also looks, so that
 * a mistyped name finds the entry: the two names' sounds in either order, or a single name's sound
 * as a surname.
 */
export function nameSearchKeys(name: string): string[] {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  if (words.length === 1) return searchKeys({ lastName: words[0] }).filter((k) => k.startsWith('s:'));
  const key = BLOCKING_RULES[NAMES_SOUND]!.key(prepare({ firstName: words[0], lastName: words.slice(1).join(' ') }));
  return key ? [`${NAMES_SOUND}:${key}`] : [];
}

/** The keys a search looks under: the rules' keys, a parent's, and a surname's sound when there is no date of birth to narrow it. */
export function queryKeys(input: MatchInput, extraPostcodes: readonly string[] = []): string[] {
  const own = searchKeys(input);
  const wide = normaliseDob(input.dateOfBirth) ? own.filter((k) => !k.startsWith('s:')) : own;
  return [...matchKeys(input, extraPostcodes), ...wide];
}

/** The first name and surname counted for term frequencies. */
export function matchTerms(input: MatchInput): { first: string; last: string } {
  const p = prepare(input);
  return { first: p.first, last: p.last };
}

interface PersonFacts {
  agency_id: string;
  kind: string;
  expected_date_of_delivery: string | null;
  date_of_birth: string | null;
  sex: string;
  nhs_number: string | null;
}

interface MatchInputRow extends PersonFacts {
  names: { use: string; given_names: string; family_name: string }[];
  addresses: { line1: string; line2: string | null; town: string | null; postcode: string | null; valid_to: string | null }[];
  parents: { given_names: string; family_name: string }[];
}

/**
 * What the matcher compares about one person, from the person tables: the person, their names,
 * addresses and recorded parents in one statement (four before; the person page asks on every view).
 */
export async function loadMatchInput(tx: Queryable, personId: string): Promise<{ agencyId: string; input: MatchInput; postcodes: string[] } | undefined> {
  const person = (await tx.query<MatchInputRow>(
    `SELECT p.agency_id, p.kind, p.date_of_birth::text AS date_of_birth, p.expected_date_of_delivery::text AS expected_date_of_delivery, p.sex, p.nhs_number,
            coalesce((SELECT json_agg(json_build_object('use', n.use, 'given_names', n.given_names, 'family_name', n.family_name) ORDER BY n.position)
                        FROM person_name n WHERE n.person_id = p.id), '[]') AS names,
            coalesce((SELECT json_agg(json_build_object('line1', a.line1, 'line2', a.line2, 'town', a.town, 'postcode', a.postcode, 'valid_to', a.valid_to::text) ORDER BY a.position)
                        FROM person_address a WHERE a.person_id = p.id), '[]') AS addresses,
            -- Parents as this agency recorded them: the evidence that tells two same-named children apart.
            coalesce((SELECT json_agg(json_build_object('given_names', d.given_names, 'family_name', d.family_name) ORDER BY d.given_names, d.family_name)
                        FROM (SELECT DISTINCT n.given_names, n.family_name FROM relationship r JOIN person_name n ON n.person_id = r.related_person_id AND n.use = 'usual'
                               WHERE r.person_id = p.id AND r.type IN ('parent', 'parental_responsibility')) d), '[]') AS parents
       FROM person p WHERE p.id = $1`, [personId])).rows[0];
  if (!person) return undefined;
  const { names, addresses, parents } = person;
  const usual = names.find((n) => n.use === 'usual') ?? names[0];
  // An unborn child is not named yet: "Baby" or "Baby of Maggie" is a placeholder, not evidence
  // against the child's later entry. The surname is kept when it is a surname (often the mother's).
  const unborn = person.kind === 'unborn';
  const placeholder = (name: string | undefined): string | null => (!name || (unborn && /\b(baby|unborn)\b/i.test(name)) ? null : name);
  const current = [...addresses].reverse().find((a) => a.valid_to === null) ?? addresses.at(-1);
  const input: MatchInput = {
    firstName: unborn ? null : usual?.given_names ?? null,
    lastName: placeholder(usual?.family_name),
    otherNames: unborn ? [] : names.filter((n) => n !== usual).map((n) => ({ firstName: n.given_names, lastName: n.family_name })),
    dateOfBirth: person.date_of_birth,
    expectedDelivery: unborn ? person.expected_date_of_delivery : null,
    sex: person.sex,
    nhsNumber: person.nhs_number,
    address: current ? [current.line1, current.line2].filter(Boolean).join(' ') : null,
    postcode: current?.postcode ?? null,
    town: current?.town ?? null,
    parents: parents.map((p) => `${p.given_names} ${p.family_name}`.trim()),
  };
  const postcodes = addresses.filter((a) => a !== current && a.postcode).map((a) => a.postcode!);
  return { agencyId: person.agency_id, input, postcodes };
}

async function adjustTerms(tx: Queryable, terms: { first: string; last: string } | undefined, delta: number): Promise<void> {
  const fields = ['*'];
  const values = ['*'];
  if (terms?.first) {
    fields.push('first');
    values.push(terms.first);
  }
  if (terms?.last) {
    fields.push('last');
    values.push(terms.last);
  }
  await tx.query(
    `INSERT INTO person_match_term (field, value, n) SELECT f, v, $3 FROM unnest($1::text[], $2::text[]) AS t(f, v)
     ON CONFLICT (field, value) DO UPDATE SET n = person_match_term.n + $3`,
    [fields, values, delta],
  );
}

/**
 * The version of the keys indexPerson writes. Raise it whenever matchKeys or searchKeys change what
 * they produce: entries indexed under a lower version are reindexed (src/matching/reindex.ts).
 * 1: blocking rules only; 2: search keys (surname sound, parents' names).
 */
export const MATCH_INDEX_VERSION = 2;

export type MatchEntry = NonNullable<Awaited<ReturnType<typeof loadMatchInput>>>;

/**
 * (Re)indexes one person after it was created or changed; what it indexed, for the suggestions
 * (src/matching/suggestions.ts, which the services call: indexAndSuggest).
 */
export async function indexPerson(tx: Queryable, personId: string, at: Date): Promise<MatchEntry | undefined> {
  const loaded = await loadMatchInput(tx, personId);
  if (!loaded) return undefined;
  const old = (await tx.query<{ features: MatchInput | string }>('SELECT features FROM person_match WHERE person_id = $1', [personId])).rows[0];
  if (old) {
    const features = typeof old.features === 'string' ? (JSON.parse(old.features) as MatchInput) : old.features;
    await adjustTerms(tx, matchTerms(features), -1);
  }
  await adjustTerms(tx, matchTerms(loaded.input), 1);
  await tx.query(
    `INSERT INTO person_match (person_id, agency_id, features, indexed_at, index_version) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (person_id) DO UPDATE SET features = EXCLUDED.features, indexed_at = EXCLUDED.indexed_at, index_version = EXCLUDED.index_version`,
    [personId, loaded.agencyId, JSON.stringify(loaded.input), at.toISOString(), MATCH_INDEX_VERSION],
  );
  await tx.query('DELETE FROM person_match_key WHERE person_id = $1', [personId]);
  await tx.query('INSERT INTO person_match_key (key, person_id) SELECT k, $2 FROM unnest($1::text[]) AS k', [[...matchKeys(loaded.input, loaded.postcodes), ...searchKeys(loaded.input)], personId]);
  return loaded;
}
