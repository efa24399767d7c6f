import SCIMMY from 'scimmy';
import { scimInvalid } from './errors.ts';

/**
 * The searches an identity provider makes before it creates or matches an account:
 * `userName eq "…"` and `externalId eq "…"` (Microsoft Entra ID), also `id eq`, `emails.value eq`
 * and `active eq`, joined with `and`. scimmy parses the filter (RFC 7644 §3.4.2.2 grammar); this
 * turns its expression into the few conditions we can answer and refuses everything else
 * (`or`, `not`, `co`, `sw` …) with invalidFilter rather than answering a different question.
 */

export type UserCondition =
  | { attribute: 'userName' | 'externalId' | 'id'; value: string }
  | { attribute: 'active'; value: boolean };

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:user:';
const MAX_FILTER_LENGTH = 1000;

const refuse = (): Error => scimInvalid('Only filters of the form attribute eq "value" (userName, externalId, id, emails.value or active), joined with and, are supported.', 'invalidFilter');

function attributeOf(key: string, nested?: string): 'userName' | 'externalId' | 'id' | 'active' | undefined {
  const bare = key.toLowerCase().startsWith(CORE_USER) ? key.slice(CORE_USER.length) : key;
  const path = (nested ? `${bare}.${nested}` : bare).toLowerCase();
  if (path === 'username' || path === 'emails.value' || path === 'emails') return 'userName';
  if (path === 'externalid') return 'externalId';
  if (path === 'id') return 'id';
  if (path === 'active') return 'active';
  return undefined;
}

function conditionsOf(attribute: ReturnType<typeof attributeOf>, comparisons: unknown): UserCondition[] {
  if (!attribute || !Array.isArray(comparisons)) throw refuse();
  // "a eq x and a eq y" on the same attribute arrives as [["eq", x], ["eq", y]].
  const list: unknown[] = Array.isArray(comparisons[0]) ? comparisons : [comparisons];
  return list.map((c) => {
    if (!Array.isArray(c) || c.length !== 2 || typeof c[0] !== 'string' || c[0].toLowerCase() !== 'eq') throw refuse();
    const value: unknown = c[1];
    if (attribute === 'active') {
      if (typeof value !== 'boolean') throw refuse();
      return { attribute, value };
    }
    if (typeof value !== 'string') throw refuse();
    return { attribute, value };
  });
}

/** The conditions a filter asks for, all of which must hold; throws invalidFilter for anything else. */
export function parseUserFilter(filter: string): UserCondition[] {
  if (filter.length > MAX_FILTER_LENGTH) throw scimInvalid('The filter is too long.', 'invalidFilter');
  let parsed: unknown;
  try {
    parsed = new SCIMMY.Types.Filter(filter);
  } catch {
    throw scimInvalid('The filter could not be read.', 'invalidFilter');
  }
  // More than one branch is an "or".
  if (!Array.isArray(parsed) || parsed.length !== 1 || typeof parsed[0] !== 'object' || parsed[0] === null) throw refuse();
  const conditions: UserCondition[] = [];
  for (const [key, value] of Object.entries(parsed[0] as Record<string, unknown>)) {
    if (Array.isArray(value)) {
      conditions.push(...conditionsOf(attributeOf(key), value));
    } else if (value && typeof value === 'object') {
      // emails.value eq "…" (or emails[value eq "…"]) arrives as { emails: { value: ["eq", "…"] } }.
      for (const [sub, comparisons] of Object.entries(value as Record<string, unknown>)) conditions.push(...conditionsOf(attributeOf(key, sub), comparisons));
    } else {
      throw refuse();
    }
  }
  if (!conditions.length) throw refuse();
  return conditions;
}
