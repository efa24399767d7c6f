import { decideAgency } from '../access/policy.ts';
import { audit, auditSystem, refuse, command } from '../audit/audit.ts';
import { assertStrongPassword, hashPassword } from '../auth/passwords.ts';
import type { Queryable } from '../db/database.ts';
import type { ActorContext, Services } from '../shared/context.ts';
import { conflict, invalid } from '../shared/errors.ts';
import { isId, newId } from '../shared/ids.ts';
import type { Role } from '../access/policy.ts';
import { issueLinkInTx, setPasswordSettings, type SetPasswordSettings } from '../auth/set-password.ts';
import { isSensitiveAgency, type AgencySensitivity } from './schemas.ts';
import type { Agency, NewAgency, NewPartnership, NewPractitionerAsSystem, Partnership, Practitioner, SetPasswordLink } from './schemas.ts';

/**
 * Setting up a partnership, its agencies and their practitioners. These are system
 * operations (CLI, demo, administrators): they are audited with no personal content.
 */

export async function createPartnership(s: Services, input: NewPartnership): Promise<Partnership> {
  const id = newId();
  return s.db.transaction(async (tx) => {
    await tx.query('INSERT INTO partnership (id, name, nation, created_at) VALUES ($1,$2,$3,$4)', [id, input.name, input.nation, s.clock.now()]);
    await auditSystem(s, tx, { action: 'partnership.create', outcome: 'success', entityType: 'partnership', entityId: id });
    return { id, name: input.name, nation: input.nation, agencyIds: [] };
  });
}

export async function createAgency(s: Services, input: NewAgency): Promise<Agency> {
  const id = newId();
  return s.db.transaction(async (tx) => {
    const found = await tx.query<{ id: string }>('SELECT id FROM partnership WHERE id = ANY($1::uuid[])', [input.partnershipIds]);
    const missing = input.partnershipIds.filter((p) => !found.rows.some((r) => r.id === p));
    if (missing.length) {
      throw invalid('Every partnership must exist.', missing.map(() => ({ pointer: '/partnershipIds', detail: 'No partnership with that identifier' })));
    }
    const agency = await insertAgency(s, tx, id, input);
    await auditSystem(s, tx, { action: 'agency.create', outcome: 'success', entityType: 'agency', entityId: id });
    return agency;
  });
}

/** Two agencies never share a local authority code: a field error naming it rather than a database error. */
export async function assertLocalAuthorityCodeFree(tx: Queryable, code: string | null | undefined, exceptAgencyId?: string): Promise<void> {
  if (!code) return;
  const taken = await tx.query('SELECT 1 FROM agency WHERE local_authority_code = $1 AND id IS DISTINCT FROM $2', [code, exceptAgencyId ?? null]);
  if (taken.rowCount > 0) throw invalid('Another agency has that local authority code.', [{ pointer: '/localAuthorityCode', detail: 'Another agency already has this local authority code' }]);
}

/** The agency's row and its partnerships; the caller has checked the partnerships exist and may be joined. */
export async function insertAgency(s: Services, tx: Queryable, id: string, input: NewAgency): Promise<Agency> {
  await assertLocalAuthorityCodeFree(tx, input.localAuthorityCode);
  await tx.query('INSERT INTO agency (id, name, type, ods_code, local_authority_code, sensitive, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)',
    [id, input.name, input.type, input.odsCode ?? null, input.localAuthorityCode ?? null, input.sensitive ?? false, s.clock.now()]);
  for (const p of input.partnershipIds) await tx.query('INSERT INTO partnership_agency (partnership_id, agency_id) VALUES ($1,$2)', [p, id]);
  return {
    id, name: input.name, type: input.type, odsCode: input.odsCode ?? null, localAuthorityCode: input.localAuthorityCode ?? null,
    partnershipIds: input.partnershipIds, sensitive: isSensitiveAgency(input.type, input.sensitive ?? false),
  };
}

export async function insertPractitioner(s: Services, tx: Queryable, input: NewPractitionerAsSystem, precomputedHash?: string): Promise<Practitioner> {
  const agency = await tx.query('SELECT 1 FROM agency WHERE id = $1', [input.agencyId]);
  if (agency.rowCount === 0) throw invalid('The agency must exist.', [{ pointer: '/agencyId', detail: 'No agency with that identifier' }]);
  const taken = await tx.query('SELECT 1 FROM practitioner WHERE lower(email) = lower($1)', [input.email]);
  if (taken.rowCount > 0) throw conflict('A practitioner with that e-mail address already exists.');
  if (input.password !== undefined && precomputedHash === undefined) assertStrongPassword(input.password, { email: input.email, name: input.name });
  const id = newId();
  const passwordHash = precomputedHash ?? (input.password ? await hashPassword(input.password) : null);
  await tx.query(
    'INSERT INTO practitioner (id, agency_id, name, email, job_title, password_hash, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)',
    [id, input.agencyId, input.name, input.email, input.jobTitle ?? null, passwordHash, s.clock.now()],
  );
  const roles = [...new Set(input.roles)];
  for (const role of roles) await tx.query('INSERT INTO practitioner_role (practitioner_id, role) VALUES ($1,$2)', [id, role]);
  return { id, agencyId: input.agencyId, name: input.name, email: input.email, jobTitle: input.jobTitle ?? null, roles, active: true };
}

/**
 * Used by the CLI and the demo loader, which act as the system rather than as a practitioner.
 * The demo passes one precomputed hash for all its accounts (fictional people; argon2 is
 * deliberately slow); the CLI passes no password and issues a set-password link instead.
 */
export async function addPractitionerAsSystem(s: Services, input: NewPractitionerAsSystem, options: { passwordHash?: string } = {}): Promise<Practitioner> {
  return s.db.transaction(async (tx) => {
    const p = await insertPractitioner(s, tx, input, options.passwordHash);
    await auditSystem(s, tx, { action: 'practitioner.create', outcome: 'success', entityType: 'practitioner', entityId: p.id });
    return p;
  });
}

/** The operator's CLI issues a link (`jigsaw user add`, `jigsaw user link`): audited as the system. */
export async function issueSetPasswordLinkAsSystem(s: Services, practitionerId: string, settings: SetPasswordSettings = setPasswordSettings()): Promise<SetPasswordLink> {
  return s.db.transaction(async (tx) => {
    const link = await issueLinkInTx(s, tx, practitionerId, null, settings);
    await auditSystem(s, tx, { action: 'practitioner.set-password-link', outcome: 'success', entityType: 'practitioner', entityId: practitionerId, detail: { expiresAt: link.expiresAt } });
    return link;
  });
}

interface PractitionerRow {
  id: string;
  agency_id: string;
  name: string;
  email: string;
  job_title: string | null;
  active: boolean;
  roles: Role[] | null;
}

const PRACTITIONER_SELECT = `SELECT p.id, p.agency_id, p.name, p.email, p.job_title, p.active,
  (SELECT array_agg(role ORDER BY role) FROM practitioner_role r WHERE r.practitioner_id = p.id) AS roles
  FROM practitioner p`;

const toPractitioner = (r: PractitionerRow): Practitioner => ({
  id: r.id,
  agencyId: r.agency_id,
  name: r.name,
  email: r.email,
  jobTitle: r.job_title,
  roles: r.roles ?? [],
  active: r.active,
});

export async function findPractitioner(db: Queryable, id: string): Promise<Practitioner | undefined> {
  const { rows } = await db.query<PractitionerRow>(`${PRACTITIONER_SELECT} WHERE p.id = $1`, [id]);
  return rows[0] && toPractitioner(rows[0]);
}

export async function findPractitionerByEmail(db: Queryable, email: string): Promise<Practitioner | undefined> {
  const { rows } = await db.query<PractitionerRow>(`${PRACTITIONER_SELECT} WHERE lower(p.email) = lower($1)`, [email]);
  return rows[0] && toPractitioner(rows[0]);
}

/**
 * The practitioners of the caller's own agency (a directory, not personal data about service users);
 * given `only`, just those of them (the names a page shows, without reading the whole agency's staff).
 */
export async function listAgencyPractitioners(ctx: ActorContext, only?: readonly string[]): Promise<Practitioner[]> {
  if (only && only.length === 0) return [];
  return command(ctx, async (tx) => {
    const { rows } = await tx.query<PractitionerRow>(
      `${PRACTITIONER_SELECT} WHERE p.agency_id = $1${only ? ' AND p.id = ANY($2::uuid[])' : ''} ORDER BY p.name`,
      [ctx.actor.agencyId, ...(only ? [only.filter(isId)] : [])]);
    await audit(ctx, tx, { action: 'practitioner.list', outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId, detail: { count: rows.length } });
    return rows.map(toPractitioner);
  });
}

export async function listAgencies(ctx: ActorContext): Promise<Agency[]> {
  return command(ctx, async (tx) => {
    // Agencies are visible across the partnerships the caller's agency belongs to: you need to know whom to ask.
    const { rows } = await tx.query<AgencyRow>(
      `SELECT a.id, a.name, a.type, a.ods_code, a.local_authority_code, a.sensitive, array_agg(pa.partnership_id) AS partnership_ids
         FROM agency a JOIN partnership_agency pa ON pa.agency_id = a.id
        WHERE a.id IN (SELECT agency_id FROM partnership_agency WHERE partnership_id IN
                        (SELECT partnership_id FROM partnership_agency WHERE agency_id = $1))
        GROUP BY a.id ORDER BY a.name`,
      [ctx.actor.agencyId],
    );
    await audit(ctx, tx, { action: 'agency.list', outcome: 'success', detail: { count: rows.length } });
    return rows.map(toAgency);
  });
}

export interface AgencyRow { id: string; name: string; type: Agency['type']; ods_code: string | null; local_authority_code: string | null; sensitive: boolean; partnership_ids: string[] }
export const toAgency = (r: AgencyRow): Agency => ({
  id: r.id, name: r.name, type: r.type, odsCode: r.ods_code, localAuthorityCode: r.local_authority_code, partnershipIds: r.partnership_ids, sensitive: isSensitiveAgency(r.type, r.sensitive),
});

/**
 * An administrator marks their own agency as sensitive (or not): a sensitive agency is never named
 * to another agency as holding a possible same-person match. Sexual health, mental health and
 * substance misuse services stay sensitive whatever the flag says.
 */
export async function setAgencySensitivity(ctx: ActorContext, agencyId: string, input: AgencySensitivity): Promise<Agency> {
  return command(ctx, async (tx) => {
    if (!decideAgency(ctx.actor, 'manage-agency', agencyId).allowed) {
      throw refuse('agency', { action: 'agency.sensitivity', entityType: 'agency', entityId: agencyId });
    }
    await tx.query('UPDATE agency SET sensitive = $2 WHERE id = $1', [agencyId, input.sensitive]);
    const { rows } = await tx.query<AgencyRow>(
      `SELECT a.id, a.name, a.type, a.ods_code, a.local_authority_code, a.sensitive, array_agg(pa.partnership_id) AS partnership_ids
         FROM agency a JOIN partnership_agency pa ON pa.agency_id = a.id WHERE a.id = $1 GROUP BY a.id`, [agencyId]);
    await audit(ctx, tx, { action: 'agency.sensitivity', outcome: 'success', entityType: 'agency', entityId: agencyId, detail: { sensitive: input.sensitive } });
    return toAgency(rows[0]!);
  });
}
