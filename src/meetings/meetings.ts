import { plainDate } from '../calendar/uk-time.ts';
import { decideView } from '../access/policy.ts';
import { checkView } from '../access/views.ts';
import { audit, auditAll, command, refuse } from '../audit/audit.ts';
import { londonDate } from '../calendar/working-days.ts';
import { personInReach } from '../people/people.ts';
import { childrenOfIn, refKey, type ChildSummary } from '../people/child-summary.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { conflict, invalid, type FieldProblem } from '../shared/errors.ts';
import { isId, newId } from '../shared/ids.ts';
import { notifyAgency, notifyPractitioners } from '../sharing/notify.ts';
import { ownEntries } from '../caseload/sources.ts';
import type { MeetingOutcome, NewMeeting } from './schemas.ts';
import { jsonInstant } from '../shared/sql-json.ts';

/**
 * Multi-agency meetings. The convening agency owns the meeting; invited agencies (or named
 * practitioners) see it — its agenda names the children and families, which is why they were
 * invited — and contribute only through recorded share decisions. Actions land in their owners'
 * task lists and come back for review at the next meeting of the same series.
 */

const KIND_WORDS: Record<string, string> = { strategy_discussion: 'strategy discussion', conference: 'child protection conference', core_group: 'core group meeting', standing_panel: 'multi-agency panel' };
const kindWords = (kind: string): string => KIND_WORDS[kind] ?? 'multi-agency meeting';
const UK_TIME = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** "You are invited to a core group meeting on 6 December 2026 at 10:00 (UK time), at …. You are asked: …": when, where and what, never who. */
function invitation(input: NewMeeting, who: string, asked: string | undefined): string {
  const where = input.place ? `, at ${input.place}` : '';
  return `${who} invited to a ${kindWords(input.kind)} on ${plainDate(input.scheduledAt)} at ${UK_TIME.format(new Date(input.scheduledAt))}${where}.${asked ? ` You are asked: ${asked}` : ''}`;
}

/** The agencies sharing a partnership with this one (itself included): who may be invited or own an action. */
async function partnerAgencies(tx: Tx, agencyId: string): Promise<Set<string>> {
  const { rows } = await tx.query<{ agency_id: string }>(
    'SELECT DISTINCT b.agency_id FROM partnership_agency a JOIN partnership_agency b ON b.partnership_id = a.partnership_id WHERE a.agency_id = $1', [agencyId]);
  return new Set([agencyId, ...rows.map((r) => r.agency_id)]);
}

interface MeetingRow {
  id: string;
  convening_agency_id: string;
  kind: string;
  title: string;
  series: string | null;
  episode_id: string | null;
  scheduled_at: string;
  place: string | null;
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
  place: string | null;
  chairId: string | null;
  status: string;
  heldAt: string | null;
  /** convening: the whole meeting; invited: only the parts meant for an invitee or action owner of another agency. */
  view: 'convening' | 'invited';
  /** ownPersonId: the caller's own agency's entry for the child, where a live same-person link joins them. */
  subjects: { personId: string; names: string; dateOfBirth: string | null; ownPersonId: string | null }[];
  invitees: { agencyId: string; agencyName: string; practitionerId: string | null; practitionerName: string | null; asked: string | null; attended: boolean | null; apologies: string | null }[];
  contributions: { agencyId: string; shareDecisionId: string; addedAt: string }[];
  decisions: string[];
  actions: MeetingAction[];
  actionsToReview: MeetingAction[];
  minutes: string | null;
  familyTold: string | null;
}

type Role = 'convening' | 'invited';

/** Invited: the caller's agency (no one named), the caller by name, or the owner of one of its actions (issue 18). */
function invitedOrConvening(ctx: ActorContext, m: MeetingRow, invitees: { agency_id: string; practitioner_id: string | null }[], ownsAnAction: boolean): Role | undefined {
  if (m.convening_agency_id === ctx.actor.agencyId) return 'convening';
  return ownsAnAction || invitees.some((i) => i.agency_id === ctx.actor.agencyId && (i.practitioner_id === null || i.practitioner_id === ctx.actor.practitionerId)) ? 'invited' : undefined;
}

async function meetingInReach(ctx: ActorContext, tx: Tx, id: string, action: string, need: 'see' | 'convene', lock = false): Promise<MeetingRow & { role: Role }> {
  const m = (await tx.query<MeetingRow>(`SELECT * FROM meeting WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id])).rows[0];
  if (!m) throw refuse('meeting', { action, entityType: 'meeting', entityId: id, outcome: 'not_found' });
  const invitees = (await tx.query<{ agency_id: string; practitioner_id: string | null }>('SELECT agency_id, practitioner_id FROM meeting_invitee WHERE meeting_id = $1', [id])).rows;
  const owns = (await tx.query('SELECT 1 FROM meeting_action WHERE meeting_id = $1 AND owner_id = $2 LIMIT 1', [id, ctx.actor.practitionerId])).rowCount > 0;
  const role = invitedOrConvening(ctx, m, invitees, owns);
  const casework = decideView(ctx.actor, 'meetings').allowed;
  if (!role || !casework || (need === 'convene' && role !== 'convening')) throw refuse('meeting', { action, entityType: 'meeting', entityId: id });
  return { ...m, role };
}

const toAction = (r: { id: string; meeting_id: string; owner_id: string; owner_name: string; description: string; due_on: string; status: MeetingAction['status']; reviewed_at_meeting_id: string | null }, today: string): MeetingAction => ({
  id: r.id, meetingId: r.meeting_id, ownerId: r.owner_id, ownerName: r.owner_name, description: r.description, dueOn: r.due_on, status: r.status,
  overdue: r.status === 'open' && r.due_on < today, reviewedAtMeetingId: r.reviewed_at_meeting_id,
});

const ACTION_SELECT = 'SELECT a.*, p.name AS owner_name FROM meeting_action a JOIN practitioner p ON p.id = a.owner_id';

/**
 * The meeting as the caller may see it. Another agency's invitee or action owner sees when, where,
 * the child on the agenda (as her own agency knows them where the entries are linked, else as
 * invited), the invitations, her own agency's contributions and her own actions: not the minutes,
 * the decisions or anyone else's actions, which stay the convening agency's record.
 */
async function load(ctx: ActorContext, tx: Tx, m: MeetingRow, role: Role): Promise<Meeting> {
  return (await loadAll(ctx, tx, [{ ...m, role }]))[0]!;
}

type ActionRow = Parameters<typeof toAction>[0];

/** What a meeting holds besides its own row, each part in the order the meeting shows it (read by MEETING_PARTS). */
interface MeetingParts {
  subjects: { person_id: string; names: string | null; date_of_birth: string | null }[] | null;
  invitees: { agency_id: string; name: string; practitioner_id: string | null; practitioner_name: string | null; asked: string | null; attended: boolean | null; apologies: string | null }[] | null;
  contributions: { agency_id: string; share_decision_id: string; added_at: string }[] | null;
  decisions: string[] | null;
  actions: ActionRow[] | null;
  /** Open actions of the earlier meetings of its series, reviewed at it (each with the meeting it came from). */
  to_review: ActionRow[] | null;
}

/** One meeting action inside JSON, with its owner's name: the columns toAction reads. */
const actionJson = (a: string, p: string): string =>
  `json_build_object('id', ${a}.id, 'meeting_id', ${a}.meeting_id, 'owner_id', ${a}.owner_id, 'owner_name', ${p}.name, 'description', ${a}.description,
                     'due_on', ${a}.due_on, 'status', ${a}.status, 'reviewed_at_meeting_id', ${a}.reviewed_at_meeting_id)`;

/** Meeting `m`'s own actions, soonest due first, as an array of JSON objects (null: none). */
const ACTIONS_PART = `(SELECT json_agg(${actionJson('a', 'p')} ORDER BY a.due_on, a.id) FROM meeting_action a JOIN practitioner p ON p.id = a.owner_id WHERE a.meeting_id = m.id) AS actions`;

/**
 * The parts of meeting `m`, each an array of JSON objects in the order the meeting shows them: one
 * statement for any number of meetings (it was six, one per part). Everything is read for every
 * meeting, as before; what the caller may see of it is decided in loadAll.
 */
const MEETING_PARTS = `
  (SELECT json_agg(json_build_object('person_id', s.person_id, 'date_of_birth', p.date_of_birth,
            'names', (SELECT string_agg(trim(n.given_names || ' ' || n.family_name), ' / ' ORDER BY n.position) FROM person_name n WHERE n.person_id = s.person_id AND n.use = 'usual'))
          ORDER BY s.position)
     FROM meeting_subject s JOIN person p ON p.id = s.person_id WHERE s.meeting_id = m.id) AS subjects,
  (SELECT json_agg(json_build_object('agency_id', i.agency_id, 'name', a.name, 'practitioner_id', i.practitioner_id, 'practitioner_name', p.name,
            'asked', i.asked, 'attended', i.attended, 'apologies', i.apologies) ORDER BY a.name, p.name)
     FROM meeting_invitee i JOIN agency a ON a.id = i.agency_id LEFT JOIN practitioner p ON p.id = i.practitioner_id WHERE i.meeting_id = m.id) AS invitees,
  (SELECT json_agg(json_build_object('agency_id', c.agency_id, 'share_decision_id', c.share_decision_id, 'added_at', ${jsonInstant('c.added_at')}) ORDER BY c.added_at)
     FROM meeting_contribution c WHERE c.meeting_id = m.id) AS contributions,
  (SELECT json_agg(d.text ORDER BY d.position) FROM meeting_decision d WHERE d.meeting_id = m.id) AS decisions,
  ${ACTIONS_PART},
  CASE WHEN m.series IS NOT NULL THEN
    (SELECT json_agg(${actionJson('a', 'p')} ORDER BY a.due_on, a.id)
       FROM meeting prev JOIN meeting_action a ON a.meeting_id = prev.id JOIN practitioner p ON p.id = a.owner_id
      WHERE prev.series = m.series AND prev.convening_agency_id = m.convening_agency_id AND prev.id <> m.id AND prev.scheduled_at < m.scheduled_at AND a.status = 'open')
  END AS to_review`;

/**
 * Several meetings as `load` shows each, in the same number of statements however many there are
 * (a page listing an episode's fifty meetings used to read them one at a time). Given their parts
 * (read with the rows, as episodeMeetings does), no statement at all for an episode's own meetings.
 */
async function loadAll(ctx: ActorContext, tx: Tx, meetings: readonly (MeetingRow & { role: Role })[], read?: ReadonlyMap<string, MeetingParts>): Promise<Meeting[]> {
  if (meetings.length === 0) return [];
  const today = londonDate(ctx.clock.now());
  const parts = read ?? new Map((await tx.query<MeetingParts & { id: string }>(
    `SELECT m.id, ${MEETING_PARTS} FROM meeting m WHERE m.id = ANY($1::uuid[])`, [meetings.map((m) => m.id)])).rows.map((r) => [r.id, r]));
  const partsOf = (id: string): MeetingParts | undefined => parts.get(id);
  const invitedTo = meetings.filter((m) => m.role !== 'convening').flatMap((m) => (partsOf(m.id)?.subjects ?? []).map((s) => s.person_id));
  const own = await ownEntries(tx, ctx.actor.agencyId, invitedTo);
  return meetings.map((m) => {
    const full = m.role === 'convening';
    const mine = (a: { owner_id: string }): boolean => full || a.owner_id === ctx.actor.practitionerId;
    const p = partsOf(m.id);
    return {
      id: m.id, conveningAgencyId: m.convening_agency_id, kind: m.kind, title: m.title, series: m.series, episodeId: full ? m.episode_id : null, scheduledAt: m.scheduled_at,
      place: m.place, chairId: m.chair_id, status: m.status, heldAt: m.held_at, view: m.role,
      subjects: (p?.subjects ?? []).map((s) => {
        const o = full ? undefined : own.get(s.person_id)?.id;
        return { personId: s.person_id, names: s.names ?? '', dateOfBirth: s.date_of_birth, ownPersonId: full ? s.person_id : (o && o !== s.person_id ? o : null) };
      }),
      invitees: (p?.invitees ?? []).map((i) => ({ agencyId: i.agency_id, agencyName: i.name, practitionerId: i.practitioner_id, practitionerName: i.practitioner_name, asked: i.asked, attended: i.attended, apologies: i.apologies })),
      contributions: (p?.contributions ?? []).filter((c) => full || c.agency_id === ctx.actor.agencyId).map((c) => ({ agencyId: c.agency_id, shareDecisionId: c.share_decision_id, addedAt: c.added_at })),
      decisions: full ? (p?.decisions ?? []) : [],
      actions: (p?.actions ?? []).filter(mine).map((a) => toAction(a, today)),
      // Each with the earlier meeting it came from.
      actionsToReview: (p?.to_review ?? []).filter(mine).map((a) => toAction(a, today)),
      minutes: full ? m.minutes : null, familyTold: full ? m.family_told : null,
    };
  });
}

export async function scheduleMeeting(ctx: ActorContext, input: NewMeeting): Promise<Meeting> {
  return command(ctx, async (tx) => {
    for (const p of input.subjectPersonIds) await personInReach(ctx, tx, p, 'update', 'meeting.schedule');
    const errors: FieldProblem[] = [];
    const partners = await partnerAgencies(tx, ctx.actor.agencyId);
    for (const [i, inv] of input.invitees.entries()) {
      if (!partners.has(inv.agencyId)) errors.push({ pointer: `/invitees/${i}/agencyId`, detail: 'No agency with that identifier in your partnership' });
      else if (inv.practitionerId && (await tx.query('SELECT 1 FROM practitioner WHERE id = $1 AND agency_id = $2 AND active', [inv.practitionerId, inv.agencyId])).rowCount === 0) {
        errors.push({ pointer: `/invitees/${i}/practitionerId`, detail: 'No active practitioner with that identifier in that agency' });
      }
    }
    if (input.episodeId && (await tx.query('SELECT 1 FROM episode WHERE id = $1 AND agency_id = $2', [input.episodeId, ctx.actor.agencyId])).rowCount === 0) {
      errors.push({ pointer: '/episodeId', detail: 'No episode of your agency with that identifier' });
    }
    if (errors.length) throw invalid('The meeting cannot be scheduled.', errors);
    const id = newId();
    await tx.query(
      'INSERT INTO meeting (id, convening_agency_id, kind, title, series, episode_id, scheduled_at, chair_id, created_by, created_at, place) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)',
      [id, ctx.actor.agencyId, input.kind, input.title, input.series ?? null, input.episodeId ?? null, input.scheduledAt, input.chairId ?? null, ctx.actor.practitionerId, ctx.clock.now().toISOString(), input.place ?? null]);
    for (const [i, p] of input.subjectPersonIds.entries()) await tx.query('INSERT INTO meeting_subject (meeting_id, person_id, position) VALUES ($1,$2,$3)', [id, p, i]);
    for (const inv of input.invitees) {
      await tx.query('INSERT INTO meeting_invitee (meeting_id, agency_id, practitioner_id, asked) VALUES ($1,$2,$3,$4)', [id, inv.agencyId, inv.practitionerId ?? null, inv.asked ?? null]);
      // The message names nobody: the notification row points at the meeting, whose child is named when the list is read.
      const notice = { kind: 'meeting.invited', entityType: 'meeting', entityId: id, message: invitation(input, inv.practitionerId ? 'You are' : 'Your agency is', inv.asked) };
      if (inv.practitionerId) await notifyPractitioners(tx, [inv.practitionerId], notice, ctx.clock.now());
      else await notifyAgency(tx, inv.agencyId, notice, ctx.clock.now());
    }
    await audit(ctx, tx, { action: 'meeting.schedule', outcome: 'success', entityType: 'meeting', entityId: id, detail: { subjects: input.subjectPersonIds.length, invitees: input.invitees.length } });
    return load(ctx, tx, (await tx.query<MeetingRow>('SELECT * FROM meeting WHERE id = $1', [id])).rows[0]!, 'convening');
  });
}

/**
 * The meetings of one of the caller's agency's episodes, soonest first, as getMeeting shows each
 * (the convening agency's whole view): one audited read per meeting, as if each were opened.
 */
export async function episodeMeetings(ctx: ActorContext, episodeId: string): Promise<Meeting[]> {
  return command(ctx, async (tx) => {
    checkView(ctx, 'meetings', 'meeting.read');
    // The meetings with their parts in one statement (seven before: the meetings, then each part of all of them).
    const { rows } = await tx.query<MeetingRow & MeetingParts>(
      `SELECT m.*, ${MEETING_PARTS} FROM meeting m WHERE m.episode_id = $1 AND m.convening_agency_id = $2 ORDER BY m.scheduled_at, m.id LIMIT 200`, [episodeId, ctx.actor.agencyId]);
    if (rows.length) await auditAll(ctx, tx, rows.map((m) => ({ action: 'meeting.read', outcome: 'success', entityType: 'meeting', entityId: m.id })));
    return loadAll(ctx, tx, rows.map((m) => ({ ...m, role: 'convening' as const })), new Map(rows.map((m) => [m.id, m])));
  });
}

/** One of an episode's meetings as the episode's page lists it: when, what, and its actions. */
export type EpisodeMeetingItem = Pick<Meeting, 'id' | 'kind' | 'title' | 'scheduledAt' | 'status' | 'actions'>;

/**
 * The meetings of one of the caller's agency's episodes as the episode's page lists them: the same
 * meetings and actions as episodeMeetings, without the parts the list does not show (subjects,
 * invitees, contributions, decisions, minutes, earlier actions to review). A list of when, what and
 * who must act is audited as one list entry naming the episode and how many meetings it showed, as
 * every other list is; opening a meeting (getMeeting) is audited as a read of that meeting. One
 * entry per meeting listed was up to 200 entries, most of the episode page's time (issue 21).
 */
export async function episodeMeetingList(ctx: ActorContext, episodeId: string): Promise<EpisodeMeetingItem[]> {
  return command(ctx, async (tx) => {
    checkView(ctx, 'meetings', 'meeting.list');
    const { rows } = await tx.query<MeetingRow & Pick<MeetingParts, 'actions'>>(
      `SELECT m.*, ${ACTIONS_PART} FROM meeting m WHERE m.episode_id = $1 AND m.convening_agency_id = $2 ORDER BY m.scheduled_at, m.id LIMIT 200`, [episodeId, ctx.actor.agencyId]);
    await audit(ctx, tx, { action: 'meeting.list', outcome: 'success', entityType: 'episode', entityId: episodeId, detail: { count: rows.length } });
    const today = londonDate(ctx.clock.now());
    // The convening agency's view: every action of its meetings (loadAll's, for the convening role).
    return rows.map((m) => ({ id: m.id, kind: m.kind, title: m.title, scheduledAt: m.scheduled_at, status: m.status, actions: (m.actions ?? []).map((a) => toAction(a, today)) }));
  });
}

export async function getMeeting(ctx: ActorContext, id: string): Promise<Meeting> {
  return command(ctx, async (tx) => {
    const m = await meetingInReach(ctx, tx, id, 'meeting.read', 'see');
    await audit(ctx, tx, { action: 'meeting.read', outcome: 'success', entityType: 'meeting', entityId: id });
    return load(ctx, tx, m, m.role);
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
    return load(ctx, tx, m, m.role);
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
    // An owner may be of any agency of the partnership (issue 18): she is told, and sees the meeting and her action.
    const partners = await partnerAgencies(tx, m.convening_agency_id);
    const owners = (await tx.query<{ id: string }>('SELECT id FROM practitioner WHERE id = ANY($1::uuid[]) AND active AND agency_id = ANY($2::uuid[])', [input.actions.map((a) => a.ownerId), [...partners]])).rows.map((r) => r.id);
    input.actions.forEach((a, i) => { if (!owners.includes(a.ownerId)) errors.push({ pointer: `/actions/${i}/ownerId`, detail: 'No active practitioner with that identifier in an agency of the partnership' }); });
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
      await notifyPractitioners(tx, [a.ownerId], { kind: 'meeting.action', entityType: 'meeting_action', entityId: actionId, message: `The ${kindWords(m.kind)} on ${plainDate(m.scheduled_at)} gave you an action, due ${plainDate(a.dueOn)}.` }, ctx.clock.now());
    }
    for (const r of input.reviewedActions) {
      if (r.status === 'carried_forward') await tx.query('UPDATE meeting_action SET reviewed_at_meeting_id = $2 WHERE id = $1', [r.actionId, id]);
      else await tx.query('UPDATE meeting_action SET status = $2, closed_at = $3, closed_note = $4, reviewed_at_meeting_id = $5 WHERE id = $1', [r.actionId, r.status, now, r.note ?? null, id]);
    }
    await audit(ctx, tx, { action: 'meeting.outcome', outcome: 'success', entityType: 'meeting', entityId: id, detail: { actions: input.actions.length, reviewed: input.reviewedActions.length } });
    return load(ctx, tx, { ...m, status: 'held', held_at: input.heldAt, minutes: input.minutes, family_told: input.familyTold }, m.role);
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

/** One practitioner of the partnership, as the invitation and action-owner choices show them: no more. */
export interface DirectoryEntry { id: string; name: string; jobTitle: string | null; agencyId: string; agencyName: string }

/**
 * The partnership's active practitioners (name, job title, agency), for choosing a meeting's
 * invitees and action owners only: casework roles of the convening side, audited as read. Given
 * `only`, just those of them (an episode's history naming its core group): the same people are
 * within reach, without reading a partnership's thousands to name a handful.
 */
export async function partnershipDirectory(ctx: ActorContext, only?: readonly string[]): Promise<DirectoryEntry[]> {
  if (only && only.length === 0) return [];
  return command(ctx, async (tx) => {
    checkView(ctx, 'meetings', 'meeting.directory');
    // The caller's agency and those sharing a partnership with it (partnerAgencies), in the same statement.
    const { rows } = await tx.query<{ id: string; name: string; job_title: string | null; agency_id: string; agency_name: string }>(
      `SELECT p.id, p.name, p.job_title, p.agency_id, a.name AS agency_name FROM practitioner p JOIN agency a ON a.id = p.agency_id
        WHERE p.active${only ? ' AND p.id = ANY($2::uuid[])' : ''}
          AND (p.agency_id = $1 OR p.agency_id IN (SELECT y.agency_id FROM partnership_agency x JOIN partnership_agency y ON y.partnership_id = x.partnership_id WHERE x.agency_id = $1))
          AND EXISTS (SELECT 1 FROM practitioner_role r WHERE r.practitioner_id = p.id AND r.role NOT IN ('administrator', 'auditor'))
        ORDER BY a.name, p.name LIMIT 2000`, [ctx.actor.agencyId, ...(only ? [only.filter(isId)] : [])]);
    await audit(ctx, tx, { action: 'meeting.directory', outcome: 'success', detail: { count: rows.length } });
    return rows.map((r) => ({ id: r.id, name: r.name, jobTitle: r.job_title, agencyId: r.agency_id, agencyName: r.agency_name }));
  });
}

/**
 * What an invited agency's practitioner may bring as her report: her agency's live share decisions
 * with the convening agency among the recipients, about the child as her agency knows them (her own
 * entry, joined to the child on the agenda by a live same-person link).
 */
export async function contributionChoices(ctx: ActorContext, id: string): Promise<{ ownPersonIds: string[]; decisions: { id: string; decidedAt: string; purpose: string }[] }> {
  return command(ctx, async (tx) => {
    const m = await meetingInReach(ctx, tx, id, 'meeting.contribution-choices', 'see');
    const subjects = (await tx.query<{ person_id: string }>('SELECT person_id FROM meeting_subject WHERE meeting_id = $1', [id])).rows.map((r) => r.person_id);
    const own = await ownEntries(tx, ctx.actor.agencyId, subjects);
    const ownPersonIds = [...new Set([...own.values()].map((o) => o.id))].filter((p) => !subjects.includes(p));
    const { rows } = await tx.query<{ id: string; decided_at: string; purpose: string }>(
      `SELECT d.id, d.decided_at, d.purpose FROM share_decision d
        WHERE d.agency_id = $1 AND d.person_id = ANY($2::uuid[]) AND d.outcome = 'share' AND d.revoked_at IS NULL
          AND EXISTS (SELECT 1 FROM share_recipient r WHERE r.decision_id = d.id AND r.agency_id = $3)
          AND NOT EXISTS (SELECT 1 FROM meeting_contribution c WHERE c.meeting_id = $4 AND c.share_decision_id = d.id)
        ORDER BY d.decided_at DESC LIMIT 50`, [ctx.actor.agencyId, ownPersonIds, m.convening_agency_id, id]);
    await audit(ctx, tx, { action: 'meeting.contribution-choices', outcome: 'success', entityType: 'meeting', entityId: id, detail: { count: rows.length } });
    return { ownPersonIds, decisions: rows.map((r) => ({ id: r.id, decidedAt: new Date(r.decided_at).toISOString(), purpose: r.purpose })) };
  });
}
