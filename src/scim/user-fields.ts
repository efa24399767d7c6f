import { z } from 'zod';
import type { Role } from '../access/policy.ts';
import { textProblem } from '../shared/schemas.ts';
import { scimInvalid } from './errors.ts';
import { isScimRole, SCIM_ROLES } from './roles.ts';

/**
 * What a SCIM User says about a practitioner, and how a request changes it. POST and PUT are a
 * replace of the whole body; PATCH applies each operation in turn (RFC 7644 §3.5.2) — both through
 * `applyOperation`, so Entra ID's forms are taken the same way everywhere: capitalised ops
 * ("Replace"), booleans as strings ("False"), dotted keys in a path-less value
 * ({"name.givenName": "…"}), the core schema's URN before a path.
 *
 * Attributes Jigsaw does not keep (phone numbers, addresses, the enterprise extension's
 * department or manager, a password, …) are accepted and ignored, so that an identity provider's
 * default attribute mappings do not stop provisioning; Jigsaw never takes a password over SCIM.
 * `emails` is ignored too: userName is the practitioner's e-mail address, the one Jigsaw uses.
 */

export interface UserFields {
  userName: string;
  externalId: string | null;
  active: boolean;
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  formatted: string | null;
  title: string | null;
  /** The roles the identity provider manages (SCIM_ROLES); null when a request has not named any. */
  roles: Role[] | null;
}

export type Touched = Set<keyof UserFields>;

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:user:';
const MAX_TEXT = 200;
const MAX_EXTERNAL_ID = 500;
const Email = z.email().max(320);

function text(attribute: string, value: unknown, max = MAX_TEXT): string | null {
  if (value === null) return null;
  if (typeof value !== 'string') throw scimInvalid(`${attribute} must be a string.`);
  const problem = textProblem(value);
  if (problem) throw scimInvalid(`${attribute}: ${problem.toLowerCase()}.`);
  const trimmed = value.trim();
  if (trimmed.length > max) throw scimInvalid(`${attribute} must be at most ${max} characters.`);
  return trimmed === '' ? null : trimmed;
}

function email(value: unknown): string {
  const v = text('userName', value, 320);
  const canonical = v?.toLowerCase();
  if (!canonical || !Email.safeParse(canonical).success) throw scimInvalid('userName must be the practitioner’s e-mail address.');
  return canonical;
}

/** SCIM booleans, and Entra ID's "True"/"False" strings. */
function bool(attribute: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  throw scimInvalid(`${attribute} must be true or false.`);
}

/** A Jigsaw role from a SCIM role value: "safeguarding_lead", or as an identity provider may spell it ("Safeguarding lead"). */
function role(value: unknown): Role {
  const raw = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>).value : value;
  if (typeof raw !== 'string' || raw.length > 100) throw scimInvalid(`roles: each role needs a value, one of ${SCIM_ROLES.join(', ')}.`);
  const canonical = raw.trim().toLowerCase().replace(/[\s-]+/g, '_');
  if (!isScimRole(canonical)) throw scimInvalid(`roles: unknown role; use one of ${SCIM_ROLES.join(', ')}.`);
  return canonical;
}

function roles(value: unknown): Role[] {
  if (value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  if (list.length > 50) throw scimInvalid('roles: too many values.');
  return [...new Set(list.map(role))].sort();
}

type Op = 'add' | 'replace' | 'remove';

/** Which role values a remove names: `roles[value eq "x"]` or a value list; undefined for all of them. */
function rolesNamedBy(filter: string | undefined, value: unknown): Role[] | undefined {
  if (filter !== undefined) {
    const m = /^value\s+eq\s+"([^"]{1,100})"$/i.exec(filter.trim());
    if (!m) throw scimInvalid('Only roles[value eq "…"] is supported as a role filter.', 'invalidPath');
    return [role(m[1])];
  }
  return value === undefined || value === null ? undefined : roles(value);
}

function applyName(state: UserFields, touched: Touched, op: Op, value: unknown): void {
  if (op === 'remove') {
    state.givenName = null;
    state.familyName = null;
    state.formatted = null;
    touched.add('givenName').add('familyName').add('formatted');
    return;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw scimInvalid('name must be an object.');
  for (const [key, sub] of Object.entries(value as Record<string, unknown>)) applyOperation(state, touched, op, `name.${key}`, sub);
}

/** Applies one operation (a PATCH operation, or one attribute of a POST or PUT body as a replace). */
export function applyOperation(state: UserFields, touched: Touched, op: Op, path: string | undefined, value: unknown): void {
  if (path === undefined || path === '') {
    // No path: the value is an object of attributes (possibly dotted or URN-prefixed), each applied in turn.
    if (op === 'remove') throw scimInvalid('A remove operation needs a path.', 'noTarget');
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw scimInvalid('An operation without a path needs an object value.', 'invalidSyntax');
    for (const [key, sub] of Object.entries(value as Record<string, unknown>)) applyOperation(state, touched, op, key, sub);
    return;
  }
  if (path.length > 300) throw scimInvalid('The path is too long.', 'invalidPath');
  const bare = path.toLowerCase().startsWith(CORE_USER) ? path.slice(CORE_USER.length) : path;
  // "roles[value eq "x"]" — the one value filter we take.
  const bracket = /^([a-z]+)\[(.*)\](?:\.([a-z]+))?$/i.exec(bare);
  const attribute = (bracket ? bracket[1]! : bare).toLowerCase();
  const filter = bracket?.[2];
  if (op !== 'remove' && value === undefined) throw scimInvalid(`The ${op} operation needs a value.`);
  switch (attribute) {
    case 'username':
      if (op === 'remove') throw scimInvalid('userName cannot be removed.', 'mutability');
      state.userName = email(value);
      touched.add('userName');
      return;
    case 'externalid':
      state.externalId = op === 'remove' ? null : text('externalId', value, MAX_EXTERNAL_ID);
      touched.add('externalId');
      return;
    case 'active':
      if (op === 'remove') throw scimInvalid('active cannot be removed; set it to false.', 'mutability');
      state.active = bool('active', value);
      touched.add('active');
      return;
    case 'displayname':
      state.displayName = op === 'remove' ? null : text('displayName', value);
      touched.add('displayName');
      return;
    case 'title':
      state.title = op === 'remove' ? null : text('title', value);
      touched.add('title');
      return;
    case 'name':
      applyName(state, touched, op, value);
      return;
    case 'name.givenname':
      state.givenName = op === 'remove' ? null : text('name.givenName', value);
      touched.add('givenName');
      return;
    case 'name.familyname':
      state.familyName = op === 'remove' ? null : text('name.familyName', value);
      touched.add('familyName');
      return;
    case 'name.formatted':
      state.formatted = op === 'remove' ? null : text('name.formatted', value);
      touched.add('formatted');
      return;
    case 'roles': {
      const current = state.roles ?? [];
      if (op === 'replace') state.roles = roles(value);
      else if (op === 'add') state.roles = [...new Set([...current, ...roles(value)])].sort();
      else {
        const named = rolesNamedBy(filter, value);
        state.roles = named ? current.filter((r) => !named.includes(r)) : [];
      }
      touched.add('roles');
      return;
    }
    default:
      // Everything else (emails, phone numbers, the enterprise extension, a password, id, meta,
      // schemas …) is not kept by Jigsaw: accepted and ignored, see above.
      return;
  }
}

const joined = (s: UserFields): string | null => [s.givenName, s.familyName].filter(Boolean).join(' ') || null;

/**
 * The name Jigsaw shows, from what this request changed: displayName, else name.formatted, else
 * given and family names; what it was before when the request changed none of them.
 */
export function nameFrom(state: UserFields, touched: Touched, before: string | null): string | null {
  if (touched.has('displayName') && state.displayName) return state.displayName;
  if (touched.has('formatted') && state.formatted) return state.formatted;
  if ((touched.has('givenName') || touched.has('familyName')) && joined(state)) return joined(state);
  return before;
}

const OPS = { add: 'add', replace: 'replace', remove: 'remove' } as const;

/** One PatchOp operation as sent, checked: op in any case, an optional string path. */
export function patchOperation(raw: unknown): { op: Op; path: string | undefined; value: unknown } {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw scimInvalid('Each operation must be an object.', 'invalidSyntax');
  const o = raw as Record<string, unknown>;
  const op = typeof o.op === 'string' ? OPS[o.op.toLowerCase() as keyof typeof OPS] : undefined;
  if (!op) throw scimInvalid('Each operation’s op must be add, replace or remove.', 'invalidSyntax');
  if (o.path !== undefined && typeof o.path !== 'string') throw scimInvalid('An operation’s path must be a string.', 'invalidPath');
  return { op, path: o.path, value: o.value };
}

export const emptyFields = (): UserFields => ({ userName: '', externalId: null, active: true, displayName: null, givenName: null, familyName: null, formatted: null, title: null, roles: null });
