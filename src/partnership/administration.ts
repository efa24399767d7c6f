import { decidePartnership, decideSetup, type PartnershipAction } from '../access/policy.ts';
import { AccessRefused, audit, command, refuse } from '../audit/audit.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { conflict, forbidden, invalid } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import type { AgencyChange, AgencyJoin, PartnershipChange, PartnershipDetail } from './administration-schemas.ts';
import { assertLocalAuthorityCodeFree, insertAgency, toAgency, type AgencyRow } from './partnership.ts';
import type { Agency, NewAgency, NewPartnership, Nation } from './schemas.ts';
import { isSensitiveAgency } from './schemas.ts';

/**
 * Partnership administrators set up the partnerships their agency belongs to: create and rename
 * them, add agencies with their codes, edit those codes, and bring an agency of another of their
 * partnerships into this one. Every change is audited as the administrator, with identifiers only.
 */

const onlyPartnershipAdministrators = forbidden('Only a partnership administrator sets up partnerships and their agencies.');

interface PartnershipRow { id: string; name: string; nation: Nation }

/** The partnership, if it exists and the policy lets the actor do this to it; refused as not found otherwise. */
async function partnershipInReach(ctx: ActorContext, tx: Tx, id: string, action: PartnershipAction, auditAction: string, lock = false): Promise<PartnershipRow> {
  const p = (await tx.query<PartnershipRow>(`SELECT id, name, nation FROM partnership WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id])).rows[0];
  const agencyIds = p ? (await tx.query<{ agency_id: string }>('SELECT agency_id FROM partnership_agency WHERE partnership_id = $1', [id])).rows.map((r) => r.agency_id) : [];
  if (!p || !decidePartnership(ctx.actor, action, { agencyIds }).allowed) {
    throw refuse('partnership', { action: auditAction, entityType: 'partnership', entityId: id, outcome: p ? 'denied' : 'not_found' });
  }
  return p;
}

function requireSetupRole(ctx: ActorContext, auditAction: string): void {
  if (!decideSetup(ctx.actor, 'create-partnership').allowed) {
    throw refuse('partnership', { action: auditAction, entityType: 'agency', entityId: ctx.actor.agencyId }, onlyPartnershipAdministrators);
  }
}

async function detail(tx: Tx, p: PartnershipRow): Promise<PartnershipDetail> {
  const { rows } = await tx.query<{ id: string; name: string; type: Agency['type']; ods_code: string | null; local_authority_code: string | null; sensitive: boolean }>(
    `SELECT a.id, a.name, a.type, a.ods_code, a.local_authority_code, a.sensitive FROM agency a JOIN partnership_agency pa ON pa.agency_id = a.id
      WHERE pa.partnership_id = $1 ORDER BY a.name, a.id`, [p.id]);
  return {
    id: p.id, name: p.name, nation: p.nation,
    agencies: rows.map((r) => ({ id: r.id, name: r.name, type: r.type, odsCode: r.ods_code, localAuthorityCode: r.local_authority_code, sensitive: isSensitiveAgency(r.type, r.sensitive) })),
  };
}

/** The partnerships the actor's agency belongs to, each with its agencies and their codes. */
export async function listOwnPartnerships(ctx: ActorContext): Promise<PartnershipDetail[]> {
  return command(ctx, async (tx) => {
    requireSetupRole(ctx, 'partnership.list');
    const { rows } = await tx.query<PartnershipRow>(
      `SELECT p.id, p.name, p.nation FROM partnership p JOIN partnership_agency pa ON pa.partnership_id = p.id WHERE pa.agency_id = $1 ORDER BY p.name, p.id`, [ctx.actor.agencyId]);
    const out: PartnershipDetail[] = [];
    for (const p of rows) out.push(await detail(tx, p));
    await audit(ctx, tx, { action: 'partnership.list', outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId, detail: { count: out.length } });
    return out;
  });
}

export async function getPartnership(ctx: ActorContext, id: string): Promise<PartnershipDetail> {
  return command(ctx, async (tx) => {
    const p = await partnershipInReach(ctx, tx, id, 'read', 'partnership.read');
    await audit(ctx, tx, { action: 'partnership.read', outcome: 'success', entityType: 'partnership', entityId: id });
    return detail(tx, p);
  });
}

/** A new partnership: the administrator's own agency is its first member (so it is hers to set up). */
export async function createPartnershipAs(ctx: ActorContext, input: NewPartnership): Promise<PartnershipDetail> {
  return command(ctx, async (tx) => {
    requireSetupRole(ctx, 'partnership.create');
    const id = newId();
    await tx.query('INSERT INTO partnership (id, name, nation, created_at) VALUES ($1,$2,$3,$4)', [id, input.name, input.nation, ctx.clock.now()]);
    await tx.query('INSERT INTO partnership_agency (partnership_id, agency_id) VALUES ($1,$2)', [id, ctx.actor.agencyId]);
    await audit(ctx, tx, { action: 'partnership.create', outcome: 'success', entityType: 'partnership', entityId: id, detail: { firstAgencyId: ctx.actor.agencyId } });
    return detail(tx, { id, name: input.name, nation: input.nation });
  });
}

export async function renamePartnership(ctx: ActorContext, id: string, input: PartnershipChange): Promise<PartnershipDetail> {
  return command(ctx, async (tx) => {
    const p = await partnershipInReach(ctx, tx, id, 'manage', 'partnership.rename', true);
    await tx.query('UPDATE partnership SET name = $2 WHERE id = $1', [id, input.name]);
    await audit(ctx, tx, { action: 'partnership.rename', outcome: 'success', entityType: 'partnership', entityId: id });
    return detail(tx, { ...p, name: input.name });
  });
}

/** A new agency in partnerships of the administrator's; any other partnership is answered as one that does not exist. */
export async function addAgencyAs(ctx: ActorContext, input: NewAgency): Promise<Agency> {
  return command(ctx, async (tx) => {
    requireSetupRole(ctx, 'agency.create');
    for (const pid of new Set(input.partnershipIds)) {
      try {
        await partnershipInReach(ctx, tx, pid, 'manage', 'agency.create');
      } catch (err) {
        if (!(err instanceof AccessRefused)) throw err;
        // The same answer as the command line's for a partnership that does not exist, naming the field.
        throw refuse('partnership', { action: 'agency.create', entityType: 'partnership', entityId: pid }, invalid('Every partnership must be one of yours.', [{ pointer: '/partnershipIds', detail: 'No partnership with that identifier' }]));
      }
    }
    const id = newId();
    const agency = await insertAgency(ctx, tx, id, { ...input, partnershipIds: [...new Set(input.partnershipIds)] });
    await audit(ctx, tx, { action: 'agency.create', outcome: 'success', entityType: 'agency', entityId: id, detail: { partnershipIds: agency.partnershipIds.join(',') } });
    return agency;
  });
}

const AGENCY_SELECT = `SELECT a.id, a.name, a.type, a.ods_code, a.local_authority_code, a.sensitive, array_agg(pa.partnership_id ORDER BY pa.partnership_id) AS partnership_ids
  FROM agency a JOIN partnership_agency pa ON pa.agency_id = a.id`;

/** An agency in one of the partnerships the actor sets up, or refused as one that does not exist. */
async function agencyInReach(ctx: ActorContext, tx: Tx, id: string, auditAction: string): Promise<AgencyRow> {
  const row = (await tx.query<AgencyRow>(`${AGENCY_SELECT} WHERE a.id = $1 GROUP BY a.id`, [id])).rows[0];
  let reachable = false;
  for (const pid of row?.partnership_ids ?? []) {
    const members = (await tx.query<{ agency_id: string }>('SELECT agency_id FROM partnership_agency WHERE partnership_id = $1', [pid])).rows.map((r) => r.agency_id);
    if (decidePartnership(ctx.actor, 'manage', { agencyIds: members }).allowed) reachable = true;
  }
  if (!row || !reachable) throw refuse('agency', { action: auditAction, entityType: 'agency', entityId: id, outcome: row ? 'denied' : 'not_found' });
  return row;
}

/** Renames an agency or changes its codes. Left out: unchanged; null: cleared. */
export async function updateAgency(ctx: ActorContext, id: string, change: AgencyChange): Promise<Agency> {
  return command(ctx, async (tx) => {
    const row = await agencyInReach(ctx, tx, id, 'agency.update');
    if (change.localAuthorityCode && row.type !== 'childrens_social_care') {
      throw invalid("Only children's social care has a local authority code.", [{ pointer: '/localAuthorityCode', detail: "Only children's social care has a local authority code" }]);
    }
    await assertLocalAuthorityCodeFree(tx, change.localAuthorityCode, id);
    const next = {
      name: change.name ?? row.name,
      ods_code: change.odsCode === undefined ? row.ods_code : change.odsCode,
      local_authority_code: change.localAuthorityCode === undefined ? row.local_authority_code : change.localAuthorityCode,
    };
    await tx.query('UPDATE agency SET name = $2, ods_code = $3, local_authority_code = $4 WHERE id = $1', [id, next.name, next.ods_code, next.local_authority_code]);
    const changed = (['name', 'odsCode', 'localAuthorityCode'] as const).filter((k) => change[k] !== undefined);
    await audit(ctx, tx, { action: 'agency.update', outcome: 'success', entityType: 'agency', entityId: id, detail: { fields: changed.join(',') } });
    return toAgency({ ...row, ...next });
  });
}

/** An agency of another of the administrator's partnerships joins this one too (one police force serves several). */
export async function joinPartnership(ctx: ActorContext, partnershipId: string, input: AgencyJoin): Promise<PartnershipDetail> {
  return command(ctx, async (tx) => {
    const p = await partnershipInReach(ctx, tx, partnershipId, 'manage', 'partnership.agency-join', true);
    try {
      await agencyInReach(ctx, tx, input.agencyId, 'partnership.agency-join');
    } catch (err) {
      if (!(err instanceof AccessRefused)) throw err;
      throw refuse('agency', { action: 'partnership.agency-join', entityType: 'agency', entityId: input.agencyId }, invalid('The agency must be in one of your partnerships.', [{ pointer: '/agencyId', detail: 'No agency with that identifier in your partnerships' }]));
    }
    const already = await tx.query('SELECT 1 FROM partnership_agency WHERE partnership_id = $1 AND agency_id = $2', [partnershipId, input.agencyId]);
    if (already.rowCount > 0) throw conflict('That agency is already in this partnership.');
    await tx.query('INSERT INTO partnership_agency (partnership_id, agency_id) VALUES ($1,$2)', [partnershipId, input.agencyId]);
    await audit(ctx, tx, { action: 'partnership.agency-join', outcome: 'success', entityType: 'partnership', entityId: partnershipId, detail: { agencyId: input.agencyId } });
    return detail(tx, p);
  });
}
