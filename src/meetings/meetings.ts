import { plainDate } from '../calendar/uk-time.ts';
import { decideView } from '../access/policy.ts';
import { checkView } from '../access/views.ts';
import { audit, command, refuse } from '../audit/audit.ts';
import { londonDate } from '../calendar/working-days.ts';
import { personInReach } from '../people/people.ts';
import { childrenOfIn, refKey, type ChildSummary } from '../people/child-summary.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { conflict, invalid, type FieldProblem } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { notifyAgency, notifyPractitioners } from '../sharing/notify.ts';
import type { MeetingOutcome, NewMeeting } from './schemas.ts';

/**
 * Multi-agency meetings. The convening agency owns the meeting; invited agencies (or named
 * practitioners) see it — its agenda names the children and families, which is why they were
 * invited — and contribute only through recorded share decisions. Actions land in their owners'
 * task lists and come back for review at the next meeting of the same series.
 */

interface MeetingRow {
  id: string;
  convening_agency_id: string;
  kind: string;
  title: string;
  series: string | null;
  episode_id: string | null;
  scheduled_at: string;
  chair_id: string | null;
  status: 'scheduled' | 'held' | 'cancelled';
  held_at: string | null;
  minutes: string | null;
  family_told: string | null;
}

export interface MeetingAction {
  id: string;
  meetingId: string;
  ownerId: string;
  ownerName: string;
  description: string;
  dueOn: string;
  status: 'open' | 'done' | 'dropped';
  overdue: boolean;
  reviewedAtMeetingId: string | null;
}

/** One of the caller's own actions, with the child its meeting is about (null: a child the caller may not read, or none). */
export interface MyMeetingAction extends MeetingAction {
  child: ChildSummary | null;
}

export interface Meeting {
  id: string;
  conveningAgencyId: string;
  kind: string;
  title: string;
  series: string | null;
  episodeId: string | null;
  scheduledAt: string;
  chairId: string | null;
  status: string;
  heldAt: string | null;
  subjects: { personId: string; names: string; dateOfBirth: string | null }[];
  invitees: { agencyId: string; agencyName: string; practitionerId: string | null; attended: boolean | null; apologies: string | null }[];
  contributions: { agencyId: string; shareDecisionId: string; addedAt: string }[];
  decisions: string[];
  actions: MeetingAction[];
  actionsToReview: MeetingAction[];
  minutes: string | null;
  familyTold: string | null;
}

function invitedOrConvening(ctx: ActorContext, m: MeetingRow, invitees: { agency_id: string; practitioner_id: string | null }[]): 'convening' | 'invited' | undefined {
  if (m.convening_agency_id === ctx.actor.agencyId) return 'convening';
  return invitees.some((i) => i.agency_id === ctx.actor.agencyId && (i.practitioner_id === null || i.practitioner_id === ctx.actor.practitionerId)) ? 'invited' : undefined;
}

async function meetingInReach(ctx: ActorContext, tx: Tx, id: string, action: string, need: 'see' | 'convene', lock = false): Promise<MeetingRow> {
  const m = (await tx.query<MeetingRow>(`SELECT * FROM meeting WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id])).rows[0];
  if (!m) throw refuse('meeting', { action, entityType: 'meeting', entityId: id, outcome: 'not_found' });
  const invitees = (await tx.query<{ agency_id: string; practitioner_id: string | null }>('SELECT agency_id, practitioner_id FROM meeting_invitee WHERE meeting_id = $1', [id])).rows;
  const role = invitedOrConvening(ctx, m, invitees);
  const casework = decideView(ctx.actor, 'meetings').allowed;
  if (!role || !casework || (need === 'convene' && role !== 'convening')) throw refuse('meeting', { action, entityType: 'meeting', entityId: id });
  return m;
}

const toAction = (r: { id: string; meeting_id: string; owner_id: string; owner_name: string; description: string; due_on: string; status: MeetingAction['status']; reviewed_at_meeting_id: string | null }, today: string): MeetingAction => ({
  id: r.id, meetingId: r.meeting_id, ownerId: r.owner_id, ownerName: r.owner_name, description: r.description, dueOn: r.due_on, status: r.status,
  overdue: r.status === 'open' && r.due_on < today, reviewedAtMeetingId: r.reviewed_at_meeting_id,
});

const ACTION_SELECT = 'SELECT a.*, p.name AS owner_name FROM meeting_action a JOIN practitioner p ON p.id = a.owner_id';

async function load(ctx: ActorContext, tx: Tx, m: MeetingRow): Promise<Meeting> {
  const today = londonDate(ctx.clock.now());
  const subjects = await tx.query<{ person_id: string; names: string; date_of_birth: string | null }>(
    `SELECT s.person_id, (SELECT string_agg(trim(n.given_names || ' ' || n.family_name), ' / ' ORDER BY n.position) FROM person_name n WHERE n.person_id = s.person_id AND n.use = 'usual') AS names, p.date_of_birth
       FROM meeting_subject s JOIN person p ON p.id = s.person_id WHERE s.meeting_id = $1 ORDER BY s.position`, [m.id]);
  const invitees = await tx.query<{ agency_id: string; name: string; practitioner_id: string | null; attended: boolean | null; apologies: string | null }>(
    'SELECT i.agency_id, a.name, i.practitioner_id, i.attended, i.apologies FROM meeting_invitee i JOIN agency a ON a.id = i.agency_id WHERE i.meeting_id = $1 ORDER BY a.name', [m.id]);
  const contributions = await tx.query<{ agency_id: string; share_decision_id: string; added_at: string }>('SELECT agency_id, share_decision_id, added_at FROM meeting_contribution WHERE meeting_id = $1 ORDER BY added_at', [m.id]);
  const decisions = await tx.query<{ text: string }>('SELECT text FROM meeting_decision WHERE meeting_id = $1 ORDER BY position', [m.id]);
  const actions = await tx.query<Parameters<typeof toAction>[0]>(`${ACTION_SELECT} WHERE a.meeting_id = $1 ORDER BY a.due_on, a.id`, [m.id]);
  const toReview = m.series
    ? await tx.query<Parameters<typeof toAction>[0]>(
        `${ACTION_SELECT} JOIN meeting prev ON prev.id = a.meeting_id
          WHERE prev.series = $1 AND prev.convening_agency_id = $2 AND prev.id <> $3 AND prev.scheduled_at < $4 AND a.status = 'open' ORDER BY a.due_on`,
        [m.series, m.convening_agency_id, m.id, m.scheduled_at])
    : { rows: [] };
  return {
    id: m.id, conveningAgencyId: m.convening_agency_id, kind: m.kind, title: m.title, series: m.series, episodeId: m.episode_id, scheduledAt: m.scheduled_at,
    chairId: m.chair_id, status: m.status, heldAt: m.held_at,
    subjects: subjects.rows.map((s) => ({ personId: s.person_id, names: s.names ?? '', dateOfBirth: s.date_of_birth })),
    invitees: invitees.rows.map((i) => ({ agencyId: i.agency_id, agencyName: i.name, practitionerId: i.practitioner_id, attended: i.attended, apologies: i.apologies })),
    contributions: contributions.rows.map((c) => ({ agencyId: c.agency_id, shareDecisionId: c.share_decision_id, addedAt: c.added_at })),
    decisions: decisions.rows.map((d) => d.text),
    actions: actions.rows.map((a) => toAction(a, today)),
    actionsToReview: toReview.rows.map((a) => toAction(a, today)),
    minutes: m.minutes, familyTold: m.family_told,
  };
}

export async function scheduleMeeting(ctx: ActorContext, input: NewMeeting): Promise<Meeting> {
  return command(ctx, async (tx) => {
    for (const p of input.subjectPersonIds) await personInReach(ctx, tx, p, 'update', 'meeting.schedule');
    const errors: FieldProblem[] = [];
    for (const [i, inv] of input.invitees.entries()) {
      const ok = inv.practitionerId
        ? (await tx.query('SELECT 1 FROM practitioner WHERE id = $1 AND agency_id = $2', [inv.practitionerId, inv.agencyId])).rowCount > 0
        : (await tx.query('SELECT 1 FROM agency WHERE id = $1', [inv.agencyId])).rowCount > 0;
      if (!ok) errors.push({ pointer: `/invitees/${i}`, detail: inv.practitionerId ? 'No practitioner with that identifier in that agency' : 'No agency with that identifier' });
    }
    if (input.episodeId && (await tx.query('SELECT 1 FROM episode WHERE id = $1 AND agency_id = $2', [input.episodeId, ctx.actor.agencyId])).rowCount === 0) {
      errors.push({ pointer: '/episodeId', detail: 'No episode of your agency with that identifier' });
    }
    if (errors.length) throw invalid('The meeting cannot be scheduled.', errors);
    const id = newId();
    await tx.query(
      'INSERT INTO meeting (id, convening_agency_id, kind, title, series, episode_id, scheduled_at, chair_id, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)',
      [id, ctx.actor.agencyId, input.kind, input.title, input.series ?? null, input.episodeId ?? null, input.scheduledAt, input.chairId ?? null, ctx.actor.practitionerId, ctx.clock.now().toISOString()]);
    for (const [i, p] of input.subjectPersonIds.entries()) await tx.query('INSERT INTO meeting_subject (meeting_id, person_id, position) VALUES ($1,$2,$3)', [id, p, i]);
    const notice = { kind: 'meeting.invited', entityType: 'meeting', entityId: id, message: 'Your agency has been invited to a multi-agency meeting.' };
    for (const inv of input.invitees) {
      await tx.query('INSERT INTO meeting_invitee (meeting_id, agency_id, practitioner_id) VALUES ($1,$2,$3)', [id, inv.agencyId, inv.practitionerId ?? null]);
      if (inv.practitionerId) await notifyPractitioners(tx, [inv.practitionerId], notice, ctx.clock.now());
      else await notifyAgency(tx, inv.agencyId, notice, ctx.clock.now());
    }
    await audit(ctx, tx, { action: 'meeting.schedule', outcome: 'success', entityType: 'meeting', entityId: id, detail: { subjects: input.subjectPersonIds.length, invitees: input.invitees.length } });
    return load(ctx, tx, (await tx.query<MeetingRow>('SELECT * FROM meeting WHERE id = $1', [id])).rows[0]!);
  });
}

export async function getMeeting(ctx: ActorContext, id: string): Promise<Meeting> {
  return command(ctx, async (tx) => {
    const m = await meetingInReach(ctx, tx, id, 'meeting.read', 'see');
    await audit(ctx, tx, { action: 'meeting.read', outcome: 'success', entityType: 'meeting', entityId: id });
    return load(ctx, tx, m);
  });
}

/** An invited agency brings what it has decided to share with the convening agency for this meeting. */
export async function addContribution(ctx: ActorContext, id: string, shareDecisionId: string): Promise<Meeting> {
  return command(ctx, async (tx) => {
    const m = await meetingInReach(ctx, tx, id, 'meeting.contribute', 'see');
    const ok = (await tx.query(
      `SELECT 1 FROM share_decision d JOIN share_recipient r ON r.decision_id = d.id
        WHERE d.id = $1 AND d.agency_id = $2 AND d.outcome = 'share' AND d.revoked_at IS NULL AND r.agency_id = $3`,
      [shareDecisionId, ctx.actor.agencyId, m.convening_agency_id])).rowCount > 0;
    if (!ok) throw invalid('A contribution is a share decision of your agency with the convening agency among its recipients.', [{ pointer: '/shareDecisionId', detail: 'No such live share decision of your agency to the convening agency' }]);
    await tx.query('INSERT INTO meeting_contribution (meeting_id, agency_id, share_decision_id, added_by, added_at) VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING',
      [id, ctx.actor.agencyId, shareDecisionId, ctx.actor.practitionerId, ctx.clock.now().toISOString()]);
    await audit(ctx, tx, { action: 'meeting.contribute', outcome: 'success', entityType: 'meeting', entityId: id, detail: { shareDecisionId } });
    return load(ctx, tx, m);
  });
}

/** Records what happened: attendance, decisions, actions with owners and due dates, minutes, what the family is told. */
export async function recordOutcome(ctx: ActorContext, id: string, input: MeetingOutcome): Promise<Meeting> {
  return command(ctx, async (tx) => {
    const m = await meetingInReach(ctx, tx, id, 'meeting.outcome', 'convene', true);
    // A meeting marked held by the process step recorded from it (episodes.ts linkMeeting) has no minutes yet: its outcome can still be recorded.
    if (m.status === 'cancelled' || (m.status === 'held' && m.minutes !== null)) throw conflict('The outcome of this meeting has already been recorded.');
    if (new Date(input.heldAt).getTime() > ctx.clock.now().getTime() + 5 * 60_000) throw invalid('A meeting cannot be recorded before it is held.', [{ pointer: '/heldAt', detail: 'This date is in the future' }]);
    const errors: FieldProblem[] = [];
    const invited = (await tx.query<{ agency_id: string; practitioner_id: string | null }>('SELECT agency_id, practitioner_id FROM meeting_invitee WHERE meeting_id = $1', [id])).rows;
    input.attendance.forEach((a, i) => {
      if (!invited.some((x) => x.agency_id === a.agencyId)) errors.push({ pointer: `/attendance/${i}/agencyId`, detail: 'This agency was not invited' });
    });
    const owners = (await tx.query<{ id: string }>('SELECT id FROM practitioner WHERE id = ANY($1::uuid[]) AND active', [input.actions.map((a) => a.ownerId)])).rows.map((r) => r.id);
    input.actions.forEach((a, i) => { if (!owners.includes(a.ownerId)) errors.push({ pointer: `/actions/${i}/ownerId`, detail: 'No active practitioner with that identifier' }); });
    const reviewable = m.series ? (await tx.query<{ id: string }>(
      `SELECT a.id FROM meeting_action a JOIN meeting prev ON prev.id = a.meeting_id
        WHERE prev.series = $1 AND prev.convening_agency_id = $2 AND prev.id <> $3 AND a.status = 'open'`, [m.series, m.convening_agency_id, id])).rows.map((r) => r.id) : [];
    input.reviewedActions.forEach((r, i) => { if (!reviewable.includes(r.actionId)) errors.push({ pointer: `/reviewedActions/${i}/actionId`, detail: 'Not an open action of an earlier meeting in this series' }); });
    if (errors.length) throw invalid('The outcome cannot be recorded.', errors);
    const now = ctx.clock.now().toISOString();
    await tx.query("UPDATE meeting SET status = 'held', held_at = $2, minutes = $3, family_told = $4 WHERE id = $1", [id, input.heldAt, input.minutes, input.familyTold]);
    for (const a of input.attendance) {
      await tx.query('UPDATE meeting_invitee SET attended = $3, apologies = $4 WHERE meeting_id = $1 AND agency_id = $2 AND ($5::uuid IS NULL OR practitioner_id IS NOT DISTINCT FROM $5)',
        [id, a.agencyId, a.attended, a.apologies ?? null, a.practitionerId ?? null]);
    }
    for (const [i, d] of input.decisions.entries()) await tx.query('INSERT INTO meeting_decision (meeting_id, position, text) VALUES ($1,$2,$3)', [id, i, d]);
    for (const a of input.actions) {
      const actionId = newId();
      await tx.query('INSERT INTO meeting_action (id, meeting_id, owner_id, description, due_on) VALUES ($1,$2,$3,$4,$5)', [actionId, id, a.ownerId, a.description, a.dueOn]);
      await notifyPractitioners(tx, [a.ownerId], { kind: 'meeting.action', entityType: 'meeting_action', entityId: actionId, message: `A meeting gave you an action, due ${plainDate(a.dueOn)}.` }, ctx.clock.now());
    }
    for (const r of input.reviewedActions) {
      if (r.status === 'carried_forward') await tx.query('UPDATE meeting_action SET reviewed_at_meeting_id = $2 WHERE id = $1', [r.actionId, id]);
      else await tx.query('UPDATE meeting_action SET status = $2, closed_at = $3, closed_note = $4, reviewed_at_meeting_id = $5 WHERE id = $1', [r.actionId, r.status, now, r.note ?? null, id]);
    }
    await audit(ctx, tx, { action: 'meeting.outcome', outcome: 'success', entityType: 'meeting', entityId: id, detail: { actions: input.actions.length, reviewed: input.reviewedActions.length } });
    return load(ctx, tx, { ...m, status: 'held', held_at: input.heldAt, minutes: input.minutes, family_told: input.familyTold });
  });
}

/** The caller's own meeting actions, open first and soonest due. */
export async function myActions(ctx: ActorContext): Promise<MyMeetingAction[]> {
  return command(ctx, async (tx) => {
    checkView(ctx, 'meeting-actions', 'meeting.my-actions');
    const { rows } = await tx.query<Parameters<typeof toAction>[0]>(`${ACTION_SELECT} WHERE a.owner_id = $1 ORDER BY a.status = 'open' DESC, a.due_on`, [ctx.actor.practitionerId]);
    await audit(ctx, tx, { action: 'meeting.my-actions', outcome: 'success', detail: { count: rows.length } });
    const today = londonDate(ctx.clock.now());
    // Which child each action is for (issue 17): an owner in another agency is told only if they may read that child.
    const about = await childrenOfIn(ctx, tx, rows.map((r) => ({ type: 'meeting_action', id: r.id })));
    return rows.map((r) => ({ ...toAction(r, today), child: about.get(refKey('meeting_action', r.id))?.children[0] ?? null }));
  });
}

/** The owner marks their action done (or dropped, with a note). */
export async function closeAction(ctx: ActorContext, actionId: string, status: 'done' | 'dropped', note?: string): Promise<MeetingAction> {
  return command(ctx, async (tx) => {
    const r = (await tx.query<Parameters<typeof toAction>[0]>(`${ACTION_SELECT} WHERE a.id = $1 FOR UPDATE OF a`, [actionId])).rows[0];
    if (!r || r.owner_id !== ctx.actor.practitionerId) throw refuse('action', { action: 'meeting.action-close', entityType: 'meeting_action', entityId: actionId, outcome: r ? 'denied' : 'not_found' });
    if (r.status !== 'open') throw conflict('This action is already closed.');
    await tx.query('UPDATE meeting_action SET status = $2, closed_at = $3, closed_note = $4 WHERE id = $1', [actionId, status, ctx.clock.now().toISOString(), note ?? null]);
    await audit(ctx, tx, { action: 'meeting.action-close', outcome: 'success', entityType: 'meeting_action', entityId: actionId, detail: { status } });
    return toAction({ ...r, status }, londonDate(ctx.clock.now()));
  });
}

/** Meetings the caller's agency convenes or is invited to, soonest first. */
export async function listMeetings(ctx: ActorContext): Promise<{ id: string; title: string; kind: string; scheduledAt: string; status: string; convening: boolean }[]> {
  return command(ctx, async (tx) => {
    // Titles are free text that name families: casework roles only.
    checkView(ctx, 'meetings', 'meeting.list');
    const { rows } = await tx.query<{ id: string; title: string; kind: string; scheduled_at: string; status: string; convening_agency_id: string }>(
      `SELECT DISTINCT m.id, m.title, m.kind, m.scheduled_at, m.status, m.convening_agency_id FROM meeting m
         LEFT JOIN meeting_invitee i ON i.meeting_id = m.id
        WHERE m.convening_agency_id = $1 OR (i.agency_id = $1 AND (i.practitioner_id IS NULL OR i.practitioner_id = $2))
        ORDER BY m.scheduled_at LIMIT 500`, [ctx.actor.agencyId, ctx.actor.practitionerId]);
    await audit(ctx, tx, { action: 'meeting.list', outcome: 'success', detail: { count: rows.length } });
    return rows.map((r) => ({ id: r.id, title: r.title, kind: r.kind, scheduledAt: r.scheduled_at, status: r.status, convening: r.convening_agency_id === ctx.actor.agencyId }));
  });
}
