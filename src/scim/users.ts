import type { Role } from '../access/policy.ts';
import { auditSystem, type AuditInput } from '../audit/audit.ts';
import { endAccessInTx } from '../auth/end-access.ts';
import type { Services, Tx } from '../shared/context.ts';
import { newId } from '../shared/ids.ts';
import { textProblem, Uuid } from '../shared/schemas.ts';
import { ScimError, scimInvalid, scimNotFound } from './errors.ts';
import type { UserCondition } from './filter.ts';
import { isScimRole, SCIM_ROLES } from './roles.ts';
import type { ScimCaller } from './tokens.ts';
import { applyOperation, emptyFields, nameFrom, patchOperation, type Touched, type UserFields } from './user-fields.ts';

/**
 * The practitioners an agency's identity provider manages through SCIM: always and only the token's
 * own agency's (anyone else's is answered as a user that does not exist). Every request is one
 * transaction, audited as the system with the SCIM token's id — identifiers only, never a name or
 * an address. Deactivation closes the practitioner's way in at once (endAccessInTx); a DELETE
 * deactivates too and hides the account from SCIM, but keeps it, since the audit trail refers to it.
 */

export interface ScimUserRecord {
  id: string;
  email: string;
  name: string;
  jobTitle: string | null;
  active: boolean;
  externalId: string | null;
  givenName: string | null;
  familyName: string | null;
  roles: Role[];
  createdAt: string;
}

interface Row {
  id: string; email: string; name: string; job_title: string | null; active: boolean; external_id: string | null;
  scim_given_name: string | null; scim_family_name: string | null; created_at: string | Date; roles: Role[] | null;
}

const SELECT = `SELECT p.id, p.email, p.name, p.job_title, p.active, p.external_id, p.scim_given_name, p.scim_family_name, p.created_at,
  (SELECT array_agg(role ORDER BY role) FROM practitioner_role r WHERE r.practitioner_id = p.id) AS roles
  FROM practitioner p`;

const toRecord = (r: Row): ScimUserRecord => ({
  id: r.id, email: r.email, name: r.name, jobTitle: r.job_title, active: r.active, externalId: r.external_id,
  givenName: r.scim_given_name, familyName: r.scim_family_name, roles: r.roles ?? [], createdAt: new Date(r.created_at).toISOString(),
});

const record = (s: Services, caller: ScimCaller, tx: Tx, input: Omit<AuditInput, 'detail' | 'outcome'> & { outcome?: AuditInput['outcome']; detail?: AuditInput['detail'] }): Promise<void> =>
  auditSystem(s, tx, { outcome: 'success', ...input, detail: { scimTokenId: caller.tokenId, ...input.detail } });

/** The user with this id in the caller's agency, locked for a change; undefined for anything else (another agency's, deleted, not an id). */
async function load(tx: Tx, caller: ScimCaller, rawId: string, lock: boolean): Promise<ScimUserRecord | undefined> {
  const id = Uuid.safeParse(rawId);
  if (!id.success) return undefined;
  const { rows } = await tx.query<Row>(`${SELECT} WHERE p.id = $1 AND p.agency_id = $2 AND p.scim_deleted_at IS NULL${lock ? ' FOR UPDATE OF p' : ''}`, [id.data, caller.agencyId]);
  return rows[0] && toRecord(rows[0]);
}

const MISSING = Symbol('missing');

/**
 * Runs fn on the caller's user with this id, in one transaction; a user that is not there (or not
 * theirs) is recorded as not found — in a transaction of its own, after the first is over — and
 * answered 404.
 */
async function onUser<T>(s: Services, caller: ScimCaller, rawId: string, action: string, lock: boolean, fn: (tx: Tx, user: ScimUserRecord) => Promise<T>): Promise<T> {
  const result = await s.db.transaction(async (tx) => {
    const user = await load(tx, caller, rawId, lock);
    return user ? fn(tx, user) : MISSING;
  });
  if (result !== MISSING) return result;
  const id = Uuid.safeParse(rawId);
  await s.db.transaction((tx) => record(s, caller, tx, { action, outcome: 'not_found', entityType: 'practitioner', entityId: id.success ? id.data : undefined }));
  throw scimNotFound();
}

export interface UserPage { total: number; startIndex: number; users: ScimUserRecord[] }

/** A page of the agency's users matching every condition; startIndex is 1-based (RFC 7644 §3.4.2.4). */
export async function listUsers(s: Services, caller: ScimCaller, conditions: readonly UserCondition[], startIndex: number, count: number): Promise<UserPage> {
  return s.db.transaction(async (tx) => {
    const where = ['p.agency_id = $1', 'p.scim_deleted_at IS NULL'];
    const params: unknown[] = [caller.agencyId];
    for (const c of conditions) {
      if (c.attribute === 'id') {
        const id = Uuid.safeParse(c.value);
        if (!id.success) { where.push('false'); continue; }
        params.push(id.data);
        where.push(`p.id = $${params.length}`);
      } else if (c.attribute === 'userName') {
        params.push(c.value.trim().toLowerCase());
        where.push(`lower(p.email) = $${params.length}`);
      } else if (c.attribute === 'externalId') {
        params.push(c.value);
        where.push(`p.external_id = $${params.length}`);
      } else {
        params.push(c.value);
        where.push(`p.active = $${params.length}`);
      }
    }
    // A value PostgreSQL cannot hold (a NUL, a lone surrogate) matches nobody; it is never sent to the database.
    const impossible = where.includes('false') || params.some((p) => typeof p === 'string' && textProblem(p) !== undefined);
    const clause = where.join(' AND ');
    const total = impossible ? 0 : Number((await tx.query<{ n: string | number }>(`SELECT count(*) AS n FROM practitioner p WHERE ${clause}`, params)).rows[0]?.n ?? 0);
    const { rows } = impossible || count === 0 ? { rows: [] as Row[] } : await tx.query<Row>(`${SELECT} WHERE ${clause} ORDER BY lower(p.email), p.id LIMIT ${count} OFFSET ${startIndex - 1}`, params);
    await record(s, caller, tx, { action: 'scim.user-list', entityType: 'agency', entityId: caller.agencyId, detail: { count: rows.length, total } });
    return { total, startIndex, users: rows.map(toRecord) };
  });
}

export async function getUser(s: Services, caller: ScimCaller, rawId: string): Promise<ScimUserRecord> {
  return onUser(s, caller, rawId, 'scim.user-read', false, async (tx, user) => {
    await record(s, caller, tx, { action: 'scim.user-read', entityType: 'practitioner', entityId: user.id });
    return user;
  });
}

/** Fields from a POST or PUT body: every attribute applied as a replace onto a blank user. */
function fieldsFromBody(body: unknown, start: UserFields): { fields: UserFields; touched: Touched } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw scimInvalid('The body must be a SCIM User object.', 'invalidSyntax');
  const fields = { ...start };
  const touched: Touched = new Set();
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (value === undefined) continue;
    applyOperation(fields, touched, 'replace', key, value);
  }
  if (!touched.has('userName')) throw scimInvalid('userName (the practitioner’s e-mail address) is required.');
  return { fields, touched };
}

interface Saved { record: ScimUserRecord; created: boolean }

/** A mover's roles before and after, for the audit trail (role codes, not personal data); nothing when unchanged. */
function roleChange(before: ScimUserRecord, after: ScimUserRecord): Record<string, string> {
  const was = before.roles.join(',');
  const now = after.roles.join(',');
  return was === now ? {} : { rolesBefore: was, rolesAfter: now };
}

/**
 * Writes the new state of one practitioner (new when `before` is undefined) in the caller's
 * transaction: uniqueness of the address (across Jigsaw) and of externalId (within the agency),
 * the roles SCIM manages (others, such as partnership administrator, are left alone), and the
 * way in closed at once when the account becomes inactive.
 */
async function save(s: Services, tx: Tx, caller: ScimCaller, id: string, before: ScimUserRecord | undefined, fields: UserFields, touched: Touched, revive = false): Promise<ScimUserRecord> {
  const name = nameFrom(fields, touched, before?.name ?? null);
  if (!name) throw scimInvalid('A user needs a displayName or a name (givenName and familyName, or formatted).');
  const taken = await tx.query('SELECT 1 FROM practitioner WHERE lower(email) = $1 AND id <> $2', [fields.userName, id]);
  if (taken.rowCount) throw new ScimError(409, 'Another practitioner already has this userName (e-mail address).', 'uniqueness');
  if (fields.externalId !== null) {
    const clash = await tx.query('SELECT 1 FROM practitioner WHERE agency_id = $1 AND external_id = $2 AND id <> $3', [caller.agencyId, fields.externalId, id]);
    if (clash.rowCount) throw new ScimError(409, 'Another user of this agency already has this externalId.', 'uniqueness');
  }
  const now = s.clock.now().toISOString();
  if (!before) {
    await tx.query(
      `INSERT INTO practitioner (id, agency_id, name, email, job_title, active, external_id, scim_given_name, scim_family_name, created_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
      [id, caller.agencyId, name, fields.userName, fields.title, fields.active, fields.externalId, fields.givenName, fields.familyName, now]);
  } else {
    // Made active here; made inactive below, by the one function that ends a leaver's access.
    await tx.query(
      `UPDATE practitioner SET name = $2, email = $3, job_title = $4, external_id = $5, scim_given_name = $6, scim_family_name = $7,
              active = (active OR $8), scim_deleted_at = CASE WHEN $9 THEN NULL ELSE scim_deleted_at END WHERE id = $1`,
      [id, name, fields.userName, fields.title, fields.externalId, fields.givenName, fields.familyName, fields.active, revive]);
  }
  const roles = fields.roles ?? (before ? before.roles.filter(isScimRole) : caller.defaultRoles.filter(isScimRole));
  if (before) await tx.query('DELETE FROM practitioner_role WHERE practitioner_id = $1 AND role = ANY($2::text[])', [id, SCIM_ROLES]);
  for (const r of roles) await tx.query('INSERT INTO practitioner_role (practitioner_id, role) VALUES ($1,$2) ON CONFLICT DO NOTHING', [id, r]);

  if (before?.active && !fields.active) {
    const ended = await endAccessInTx(s, tx, id);
    await record(s, caller, tx, { action: 'scim.user-deactivate', entityType: 'practitioner', entityId: id, detail: { sessionsEnded: ended.sessionsEnded, tokensRevoked: ended.tokensRevoked } });
  } else if (before && !before.active && fields.active) {
    await record(s, caller, tx, { action: 'scim.user-reactivate', entityType: 'practitioner', entityId: id });
  }
  return (await load(tx, caller, id, false))!;
}

/**
 * POST /Users. An account this agency's identity provider deleted earlier, with the same address,
 * comes back (same id, so its history stays one); any other clash of address is a 409.
 */
export async function createUser(s: Services, caller: ScimCaller, body: unknown): Promise<Saved> {
  const { fields, touched } = fieldsFromBody(body, emptyFields());
  return s.db.transaction(async (tx) => {
    const deleted = (await tx.query<Row>(`${SELECT} WHERE lower(p.email) = $1 AND p.agency_id = $2 AND p.scim_deleted_at IS NOT NULL FOR UPDATE OF p`, [fields.userName, caller.agencyId])).rows[0];
    if (deleted) {
      const before = { ...toRecord(deleted), active: false };
      const saved = await save(s, tx, caller, deleted.id, before, { ...fields, roles: fields.roles ?? caller.defaultRoles }, touched, true);
      await record(s, caller, tx, { action: 'scim.user-create', entityType: 'practitioner', entityId: deleted.id, detail: { restored: true } });
      return { record: saved, created: true };
    }
    const id = newId();
    const saved = await save(s, tx, caller, id, undefined, fields, touched);
    await record(s, caller, tx, { action: 'scim.user-create', entityType: 'practitioner', entityId: id });
    return { record: saved, created: true };
  });
}

/** PUT /Users/{id}: the body replaces the user; roles and active stay as they were when the body leaves them out. */
export async function replaceUser(s: Services, caller: ScimCaller, rawId: string, body: unknown): Promise<ScimUserRecord> {
  return onUser(s, caller, rawId, 'scim.user-replace', true, async (tx, before) => {
    const { fields, touched } = fieldsFromBody(body, { ...emptyFields(), active: before.active, roles: null });
    const saved = await save(s, tx, caller, before.id, before, fields, touched);
    await record(s, caller, tx, { action: 'scim.user-replace', entityType: 'practitioner', entityId: before.id, detail: roleChange(before, saved) });
    return saved;
  });
}

const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const MAX_OPERATIONS = 100;

/** PATCH /Users/{id} with a PatchOp message: each operation applied in turn, all or nothing. */
export async function patchUser(s: Services, caller: ScimCaller, rawId: string, body: unknown): Promise<ScimUserRecord> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw scimInvalid('The body must be a PatchOp message.', 'invalidSyntax');
  const message = body as Record<string, unknown>;
  if (message.schemas !== undefined && !(Array.isArray(message.schemas) && message.schemas.includes(PATCH_SCHEMA))) throw scimInvalid(`The body's schemas must be ["${PATCH_SCHEMA}"].`, 'invalidSyntax');
  const ops = message.Operations ?? message.operations;
  if (!Array.isArray(ops) || ops.length === 0) throw scimInvalid('The PatchOp message needs at least one operation in Operations.', 'invalidSyntax');
  if (ops.length > MAX_OPERATIONS) throw scimInvalid(`At most ${MAX_OPERATIONS} operations at once.`, 'tooMany');
  const operations = ops.map(patchOperation);
  return onUser(s, caller, rawId, 'scim.user-update', true, async (tx, before) => {
    const fields: UserFields = {
      userName: before.email.toLowerCase(), externalId: before.externalId, active: before.active, displayName: before.name,
      givenName: before.givenName, familyName: before.familyName, formatted: null, title: before.jobTitle, roles: before.roles.filter(isScimRole),
    };
    const touched: Touched = new Set();
    for (const o of operations) applyOperation(fields, touched, o.op, o.path, o.value);
    const saved = await save(s, tx, caller, before.id, before, fields, touched);
    await record(s, caller, tx, { action: 'scim.user-update', entityType: 'practitioner', entityId: before.id, detail: { operations: operations.length, ...roleChange(before, saved) } });
    return saved;
  });
}

/**
 * DELETE /Users/{id}: never a deletion (the audit trail names practitioners by id): the account is
 * deactivated at once and, for SCIM, gone — a GET answers 404 afterwards, as Entra ID expects.
 */
export async function deleteUser(s: Services, caller: ScimCaller, rawId: string): Promise<void> {
  await onUser(s, caller, rawId, 'scim.user-delete', true, async (tx, before) => {
    const ended = await endAccessInTx(s, tx, before.id);
    await tx.query('UPDATE practitioner SET scim_deleted_at = $2 WHERE id = $1', [before.id, s.clock.now().toISOString()]);
    await record(s, caller, tx, { action: 'scim.user-delete', entityType: 'practitioner', entityId: before.id, detail: { sessionsEnded: ended.sessionsEnded, tokensRevoked: ended.tokensRevoked } });
  });
}
