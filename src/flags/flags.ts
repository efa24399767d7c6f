import { randomBytes } from 'node:crypto';
import { CASEWORK_ROLES, type Role } from '../access/policy.ts';
import { audit, command, refuse } from '../audit/audit.ts';
import type { Queryable } from '../db/database.ts';
import type { ActionFacts, EpisodeState } from '../process/engine.ts';
import { personInReach } from '../people/people.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { conflict, forbidden, invalid } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { webhookAddressProblem } from '../notifications/webhook-address.ts';
import { episodeFlags, flagId, isActive, planPeriods, PLAN_TYPE, type DerivedFlag, type FlagKind } from './derive.ts';
import type { Birth, ChildFlags, EndLookedAfter, FlagSettings, FlagSettingsInput, FlagView, LookedAfter, NewBirth, NewLookedAfter } from './schemas.ts';
import { agencyTypeOf } from '../shared/agency-types.ts';

/**
 * Flags for health settings, derived from what the authority records: the episode's plan, a
 * looked-after period, a birth. syncFlags runs inside the transaction that records an episode
 * action, so a plan and its flag start and end in the same commit.
 */

async function writeFlags(tx: Queryable, flags: readonly DerivedFlag[], source: { episodeId: string } | { lookedAfterId: string }, authorityId: string): Promise<void> {
  const [column, id] = 'episodeId' in source ? ['episode_id', source.episodeId] : ['looked_after_id', source.lookedAfterId];
  await tx.query(`DELETE FROM flag WHERE ${column} = $1 AND NOT (id = ANY($2::uuid[]))`, [id, flags.map((f) => f.id)]);
  for (const f of flags) {
    await tx.query(
      `INSERT INTO flag (id, kind, person_id, authority_agency_id, ${column}, period_start, period_end) VALUES ($1,$2,$3,$4,$5,$6,$7)
       ON CONFLICT (id) DO UPDATE SET person_id = EXCLUDED.person_id, period_end = EXCLUDED.period_end`,
      [f.id, f.kind, f.personId, authorityId, id, f.start, f.end],
    );
  }
}

/**
 * Rewrites an episode's flags from its actions. When the engine's state is given, the flags must
 * agree with it (a plan running exactly when the engine says the child is on one); a disagreement
 * is a bug and rolls the action back rather than showing hospitals something false.
 */
export async function syncFlags(tx: Tx, episodeId: string, state?: EpisodeState): Promise<void> {
  const e = (await tx.query<{ agency_id: string; child_person_id: string; kind: string }>(
    'SELECT e.agency_id, e.child_person_id, p.kind FROM episode e JOIN person p ON p.id = e.child_person_id WHERE e.id = $1', [episodeId])).rows[0];
  if (!e) return;
  const actions = (await tx.query<{ seq: number; occurred_at: string; facts: ActionFacts }>(
    `SELECT seq, occurred_at, facts FROM episode_action WHERE episode_id = $1 AND type IN ('conference_held', 'plan_ended') ORDER BY seq`, [episodeId])).rows;
  const periods = planPeriods(actions.map((a) => ({ seq: a.seq, at: a.occurred_at, facts: a.facts })));
  const running = periods.at(-1)?.end === null;
  if (state && running !== state.onPlan) throw new Error('flags: plan periods disagree with the process engine');
  const birth = e.kind === 'unborn'
    ? (await tx.query<{ child_person_id: string; born_at: string }>('SELECT child_person_id, born_at FROM birth_record WHERE unborn_person_id = $1', [e.child_person_id])).rows[0]
    : undefined;
  const flags = episodeFlags(episodeId, periods, { personId: e.child_person_id, unborn: e.kind === 'unborn' }, birth && { childPersonId: birth.child_person_id, bornAt: birth.born_at });
  await writeFlags(tx, flags, { episodeId }, e.agency_id);
}

/** Only children's social care holds flags, and only its casework staff record what they derive from. */
async function checkAuthority(ctx: ActorContext, tx: Tx, action: string, alsoRoles: readonly Role[] = []): Promise<void> {
  const a = { type: await agencyTypeOf(tx, ctx.actor.agencyId) };
  if (a?.type !== 'childrens_social_care') throw forbidden("Only children's social care records what health settings are shown.");
  // An administrator manages the authority's connections without doing casework.
  if (!ctx.actor.roles.some((r) => CASEWORK_ROLES.includes(r) || alsoRoles.includes(r))) {
    throw refuse('agency', { action, entityType: 'agency', entityId: ctx.actor.agencyId });
  }
}

const notInFuture = (ctx: ActorContext, at: string, pointer: string): void => {
  if (new Date(at).getTime() > ctx.clock.now().getTime() + 5 * 60_000) throw invalid('This cannot be recorded before it happens.', [{ pointer, detail: 'This date is in the future' }]);
};

interface LookedAfterRow { id: string; person_id: string; legal_status: string; started_at: string; ended_at: string | null; end_reason: string | null; agency_id: string }
const toLookedAfter = (r: LookedAfterRow): LookedAfter => ({
  id: r.id, childPersonId: r.person_id, legalStatus: r.legal_status, startedAt: r.started_at, endedAt: r.ended_at, endReason: r.end_reason,
});

async function syncLookedAfter(tx: Tx, row: LookedAfterRow): Promise<void> {
  const flag: DerivedFlag = { id: flagId(row.id, 'looked_after', row.started_at), kind: 'looked_after', personId: row.person_id, start: row.started_at, end: row.ended_at };
  await writeFlags(tx, [flag], { lookedAfterId: row.id }, row.agency_id);
}

/** The authority records that a child is looked after; the flag follows. Periods of one child never overlap. */
export async function recordLookedAfter(ctx: ActorContext, input: NewLookedAfter): Promise<LookedAfter> {
  notInFuture(ctx, input.startedAt, '/startedAt');
  return command(ctx, async (tx) => {
    await checkAuthority(ctx, tx, 'looked-after.start');
    const child = await personInReach(ctx, tx, input.childPersonId, 'update', 'looked-after.start');
    if (child.kind !== 'child') throw invalid('Only a child can be looked after.', [{ pointer: '/childPersonId', detail: child.kind === 'unborn' ? 'Record the birth first' : 'This person is not a child' }]);
    const overlapping = await tx.query('SELECT 1 FROM looked_after_period WHERE person_id = $1 AND (ended_at IS NULL OR ended_at > $2)', [input.childPersonId, input.startedAt]);
    if (overlapping.rowCount > 0) throw conflict('The child is already looked after in that period: end the current period first.');
    const row: LookedAfterRow = { id: newId(), person_id: input.childPersonId, legal_status: input.legalStatus, started_at: new Date(input.startedAt).toISOString(), ended_at: null, end_reason: null, agency_id: ctx.actor.agencyId };
    await tx.query(
      'INSERT INTO looked_after_period (id, agency_id, person_id, legal_status, started_at, recorded_by, recorded_at) VALUES ($1,$2,$3,$4,$5,$6,$7)',
      [row.id, row.agency_id, row.person_id, row.legal_status, row.started_at, ctx.actor.practitionerId, ctx.clock.now().toISOString()],
    );
    await syncLookedAfter(tx, row);
    await audit(ctx, tx, { action: 'looked-after.start', outcome: 'success', entityType: 'looked_after_period', entityId: row.id, personId: row.person_id });
    return toLookedAfter(row);
  });
}

export async function endLookedAfter(ctx: ActorContext, id: string, input: EndLookedAfter): Promise<LookedAfter> {
  notInFuture(ctx, input.endedAt, '/endedAt');
  return command(ctx, async (tx) => {
    await checkAuthority(ctx, tx, 'looked-after.end');
    const row = (await tx.query<LookedAfterRow>('SELECT id, person_id, legal_status, started_at, ended_at, end_reason, agency_id FROM looked_after_period WHERE id = $1 FOR UPDATE', [id])).rows[0];
    if (!row || row.agency_id !== ctx.actor.agencyId) throw refuse('looked-after period', { action: 'looked-after.end', entityType: 'looked_after_period', entityId: id, outcome: row ? 'denied' : 'not_found' });
    await personInReach(ctx, tx, row.person_id, 'update', 'looked-after.end');
    if (row.ended_at) throw conflict('This period has already ended.');
    if (new Date(input.endedAt) < new Date(row.started_at)) throw invalid('A period cannot end before it starts.', [{ pointer: '/endedAt', detail: `This is before the start (${row.started_at})` }]);
    const ended = { ...row, ended_at: new Date(input.endedAt).toISOString(), end_reason: input.reason };
    await tx.query('UPDATE looked_after_period SET ended_at = $2, end_reason = $3, ended_by = $4 WHERE id = $1', [id, ended.ended_at, ended.end_reason, ctx.actor.practitionerId]);
    await syncLookedAfter(tx, ended);
    await audit(ctx, tx, { action: 'looked-after.end', outcome: 'success', entityType: 'looked_after_period', entityId: id, personId: row.person_id });
    return toLookedAfter(ended);
  });
}

/** The child's looked-after periods, newest first, for the authority's page that ends one. */
export async function listLookedAfter(ctx: ActorContext, personId: string): Promise<LookedAfter[]> {
  return command(ctx, async (tx) => {
    await checkAuthority(ctx, tx, 'looked-after.read');
    await personInReach(ctx, tx, personId, 'read', 'looked-after.read');
    const rows = (await tx.query<LookedAfterRow>(
      'SELECT id, person_id, legal_status, started_at, ended_at, end_reason, agency_id FROM looked_after_period WHERE person_id = $1 AND agency_id = $2 ORDER BY started_at DESC',
      [personId, ctx.actor.agencyId])).rows;
    await audit(ctx, tx, { action: 'looked-after.read', outcome: 'success', entityType: 'person', entityId: personId, personId, detail: { periods: rows.length } });
    return rows.map(toLookedAfter);
  });
}

/**
 * Birth is recorded by linking the authority's unborn-child entry to the entry it has made for the
 * child as born (people has no "birth" of its own: an unborn entry has no date of birth or NHS
 * number, and a new entry holds them). The unborn child's flags end at the birth and continue on the child.
 */
export async function recordBirth(ctx: ActorContext, input: NewBirth): Promise<Birth> {
  notInFuture(ctx, input.bornAt, '/bornAt');
  return command(ctx, async (tx) => {
    await checkAuthority(ctx, tx, 'birth.record');
    const unborn = await personInReach(ctx, tx, input.unbornPersonId, 'update', 'birth.record');
    const child = await personInReach(ctx, tx, input.childPersonId, 'update', 'birth.record');
    const errors = [];
    if (unborn.kind !== 'unborn') errors.push({ pointer: '/unbornPersonId', detail: 'This entry is not an unborn child' });
    if (child.kind !== 'child') errors.push({ pointer: '/childPersonId', detail: 'This entry is not a child' });
    if (errors.length) throw invalid('A birth links an unborn child to the child as born.', errors);
    const existing = await tx.query('SELECT 1 FROM birth_record WHERE unborn_person_id = $1 OR child_person_id = $2', [input.unbornPersonId, input.childPersonId]);
    if (existing.rowCount > 0) throw conflict('This birth has already been recorded.');
    const bornAt = new Date(input.bornAt).toISOString();
    await tx.query('INSERT INTO birth_record (unborn_person_id, child_person_id, born_at, recorded_by, recorded_at) VALUES ($1,$2,$3,$4,$5)',
      [input.unbornPersonId, input.childPersonId, bornAt, ctx.actor.practitionerId, ctx.clock.now().toISOString()]);
    const episodes = (await tx.query<{ id: string }>('SELECT id FROM episode WHERE child_person_id = $1', [input.unbornPersonId])).rows;
    for (const e of episodes) await syncFlags(tx, e.id);
    await audit(ctx, tx, { action: 'birth.record', outcome: 'success', entityType: 'person', entityId: input.childPersonId, personId: input.unbornPersonId });
    return { unbornPersonId: input.unbornPersonId, childPersonId: input.childPersonId, bornAt };
  });
}

export interface FlagRow {
  id: string;
  kind: FlagKind;
  person_id: string;
  period_start: string;
  period_end: string | null;
  authority_agency_id: string;
  authority_name: string;
  office_hours_phone: string | null;
  out_of_hours_phone: string | null;
}

export function toFlagView(r: FlagRow, now: Date): FlagView {
  return {
    id: r.id, kind: r.kind, planType: { system: 'http://snomed.info/sct', ...PLAN_TYPE[r.kind] },
    status: isActive({ start: r.period_start, end: r.period_end }, now) ? 'active' : 'inactive',
    periodStart: r.period_start, periodEnd: r.period_end,
    authority: { agencyId: r.authority_agency_id, name: r.authority_name, officeHoursPhone: r.office_hours_phone, outOfHoursPhone: r.out_of_hours_phone },
  };
}

export const FLAG_COLUMNS = `f.id, f.kind, f.person_id, f.period_start, f.period_end, f.authority_agency_id, a.name AS authority_name,
  s.office_hours_phone, s.out_of_hours_phone`;
export const FLAG_JOINS = 'JOIN agency a ON a.id = f.authority_agency_id LEFT JOIN flag_authority_settings s ON s.agency_id = f.authority_agency_id';

/** The authority's own view of a child's flags and who has looked at them. */
/**
 * A child's flags and who has looked them up. The person page shows only the flags: it asks without
 * the access history (`accessHistory: false`), which is up to a thousand rows read on every view for
 * nothing shown (issue 21); the flags page and the API read both.
 */
export async function childFlags(ctx: ActorContext, personId: string, opts: { accessHistory?: boolean } = {}): Promise<ChildFlags> {
  return command(ctx, async (tx) => {
    await checkAuthority(ctx, tx, 'flags.read');
    await personInReach(ctx, tx, personId, 'read', 'flags.read');
    const flags = (await tx.query<FlagRow>(`SELECT ${FLAG_COLUMNS} FROM flag f ${FLAG_JOINS} WHERE f.person_id = $1 ORDER BY f.period_start`, [personId])).rows;
    const history = opts.accessHistory === false ? [] : (await tx.query<{ accessed_at: string; unscheduled: boolean; via: 'fhir' | 'api'; search: 'nhs_number' | 'demographics'; setting_name: string; setting_type: string; practitioner_id: string | null; health_setting_id: string | null }>(
      `SELECT accessed_at, unscheduled, via, search, setting_name, setting_type, practitioner_id, health_setting_id FROM flag_access WHERE person_id = $1 ORDER BY accessed_at DESC LIMIT 1000`,
      [personId])).rows;
    // The trail says what was read: the flags alone, or with how many accesses.
    await audit(ctx, tx, { action: 'flags.read', outcome: 'success', entityType: 'person', entityId: personId, personId, detail: opts.accessHistory === false ? { flags: flags.length } : { flags: flags.length, accesses: history.length } });
    const now = ctx.clock.now();
    return {
      personId,
      flags: flags.map((f) => toFlagView(f, now)),
      accessHistory: history.map((h) => ({
        at: h.accessed_at, unscheduled: h.unscheduled, via: h.via, search: h.search, settingName: h.setting_name, settingType: h.setting_type,
        practitionerId: h.practitioner_id, healthSettingId: h.health_setting_id,
      })),
    };
  });
}

interface SettingsRow { agency_id: string; office_hours_phone: string | null; out_of_hours_phone: string | null; webhook_url: string | null; webhook_secret: string | null; notify_email: string | null; updated_at: string | null }
const toSettings = (agencyId: string, r: SettingsRow | undefined, shownSecret: string | null): FlagSettings => ({
  agencyId,
  officeHoursPhone: r?.office_hours_phone ?? null, outOfHoursPhone: r?.out_of_hours_phone ?? null, webhookUrl: r?.webhook_url ?? null, notifyEmail: r?.notify_email ?? null,
  webhookSecretSet: Boolean(r?.webhook_secret), webhookSecret: shownSecret, updatedAt: r?.updated_at ?? null,
});

export async function getFlagSettings(ctx: ActorContext): Promise<FlagSettings> {
  return command(ctx, async (tx) => {
    await checkAuthority(ctx, tx, 'flag-settings.read', ['administrator']);
    const row = (await tx.query<SettingsRow>('SELECT * FROM flag_authority_settings WHERE agency_id = $1', [ctx.actor.agencyId])).rows[0];
    await audit(ctx, tx, { action: 'flag-settings.read', outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId });
    return toSettings(ctx.actor.agencyId, row, null);
  });
}

const newSecret = (): string => `jsw_${randomBytes(32).toString('base64url')}`;

export interface FlagSettingsOptions {
  rotateSecret?: boolean;
  /** JIGSAW_WEBHOOK_HTTP_HOSTS: the operator's own receivers, which may be plain http at a private address. None when not given. */
  webhookHttpHosts?: readonly string[] | undefined;
}

/** Fields left out stay as they are; null clears one. A first webhook address gets a signing secret, shown once. */
export async function updateFlagSettings(ctx: ActorContext, input: FlagSettingsInput, opts: FlagSettingsOptions = {}): Promise<FlagSettings> {
  return command(ctx, async (tx) => {
    await checkAuthority(ctx, tx, 'flag-settings.update', ['administrator']);
    if (!ctx.actor.roles.some((r) => r === 'manager' || r === 'administrator')) throw forbidden("Only the authority's managers and administrators change how it is contacted.");
    // Jigsaw will connect to this address from inside the operator's network (src/notifications/webhook-address.ts).
    const webhookProblem = input.webhookUrl ? webhookAddressProblem(input.webhookUrl, opts.webhookHttpHosts ?? []) : undefined;
    if (webhookProblem) throw invalid('The webhook address cannot be used.', [{ pointer: '/webhookUrl', detail: webhookProblem }]);
    const current = (await tx.query<SettingsRow>('SELECT * FROM flag_authority_settings WHERE agency_id = $1 FOR UPDATE', [ctx.actor.agencyId])).rows[0];
    const pick = <K extends keyof FlagSettingsInput>(k: K, column: keyof SettingsRow): string | null => {
      const v = input[k];
      return v === undefined ? (current?.[column] ?? null) : v;
    };
    const next = {
      office_hours_phone: pick('officeHoursPhone', 'office_hours_phone'),
      out_of_hours_phone: pick('outOfHoursPhone', 'out_of_hours_phone'),
      webhook_url: pick('webhookUrl', 'webhook_url'),
      notify_email: pick('notifyEmail', 'notify_email'),
    };
    const generate = opts.rotateSecret || (next.webhook_url !== null && !current?.webhook_secret);
    const secret = generate ? newSecret() : current?.webhook_secret ?? null;
    const now = ctx.clock.now().toISOString();
    await tx.query(
      `INSERT INTO flag_authority_settings (agency_id, office_hours_phone, out_of_hours_phone, webhook_url, webhook_secret, notify_email, updated_by, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
       ON CONFLICT (agency_id) DO UPDATE SET office_hours_phone = $2, out_of_hours_phone = $3, webhook_url = $4, webhook_secret = $5, notify_email = $6, updated_by = $7, updated_at = $8`,
      [ctx.actor.agencyId, next.office_hours_phone, next.out_of_hours_phone, next.webhook_url, secret, next.notify_email, ctx.actor.practitionerId, now],
    );
    await audit(ctx, tx, { action: 'flag-settings.update', outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId, detail: { secretGenerated: generate } });
    return toSettings(ctx.actor.agencyId, { agency_id: ctx.actor.agencyId, ...next, webhook_secret: secret, updated_at: now }, generate ? secret : null);
  });
}
