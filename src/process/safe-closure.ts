import { plainDate } from '../calendar/uk-time.ts';
import { decideRecord } from '../access/policy.ts';
import { audit, command, refuse, AccessRefused } from '../audit/audit.ts';
import { londonDate } from '../calendar/working-days.ts';
import { personInReach } from '../people/people.ts';
import type { ActorContext, Tx } from '../shared/context.ts';
import { invalid } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { grantsFor, withGrants } from '../sharing/grants.ts';
import { notifyPractitioners } from '../sharing/notify.ts';
import { linkedEntries } from './linked-entries.ts';
import {
  insertArrangement, resolveMonitor, roleIn, safeguardingLeads, SELECT_ARRANGEMENT, shapeArrangement, type ArrangementRow, type Monitor,
} from './monitoring.ts';
import type { ClosureMonitoring, EpisodeSafetySummary, MonitoringArrangement, RecordPointer } from './monitoring.schemas.ts';
import { SELECT_NOTICE, toNotice, type NoticeRow } from './closure-notices.ts';
import type { ClosureFields } from './schemas.ts';
import { readOnce, type RequestReads } from '../shared/request-reads.ts';

/**
 * Safe closure, the lesson of case example 8: a case is not closed after visits with no access,
 * or with concerns recorded during the episode, without naming the agency that will monitor;
 * every involved agency is told and acknowledges.
 *
 * Nothing here carries another agency's records across: counts are computed from what the
 * viewer may read (the access policy decides on every row).
 */

// ---------------------------------------------------------------------------------------------
// No-access visits, not-brought appointments and concerns in the child's chronology

export interface SafetyRecords {
  /** Home visits with no access that the same agency has not followed by seeing the child. */
  noAccess: RecordPointer[];
  /** Appointments the child was not brought to, not followed by the same agency seeing the child. */
  notBrought: RecordPointer[];
  /** Concerns recorded since the episode opened. */
  concerns: RecordPointer[];
}

/** A visit or appointment at which the agency saw the child: it settles that agency's earlier missed ones. */
const SEEN = (kind: string, outcome: string | null): boolean => (kind === 'home_visit' && outcome === 'seen') || (kind === 'appointment' && outcome === 'attended');

/**
 * The child's chronology as the viewer may see it, for safe closure: the authority's own records
 * about the child, and other agencies' records about their linked entries only where the access
 * policy lets the viewer read them (a share). What the viewer may not read is not counted.
 *
 * No-access visits and not-brought appointments count from the whole chronology, not only since
 * the episode opened: in case example 8 the health visitor's no-access visits came before the
 * referral, and they are what prompted it. One is unresolved until the same agency has seen the
 * child since (a visit with the child seen, or an appointment attended): another agency seeing
 * the child once does not tell us the first agency's worry was met. Concerns count since `since`
 * (the episode opened): the ones before are what the episode was opened to look into.
 */
export async function childSafetyRecords(ctx: ActorContext, tx: Tx, childPersonId: string, since: string): Promise<SafetyRecords> {
  const entries = [childPersonId, ...(await linkedEntries(tx, childPersonId, ctx.reads)).map((e) => e.personId)];
  const { rows } = await tx.query<{ id: string; person_id: string; agency_id: string; restricted: boolean; created_by: string; named: string[] | null; kind: string; outcome: string | null; occurred_at: string }>(
    `SELECT r.id, r.person_id, r.agency_id, r.restricted, r.created_by,
            CASE WHEN r.restricted THEN (SELECT array_agg(n.practitioner_id) FROM record_named_practitioner n WHERE n.record_id = r.id) END AS named,
            v.kind, v.outcome, v.occurred_at
       FROM agency_record r JOIN agency_record_version v ON v.record_id = r.id AND v.version = r.current_version
      WHERE r.person_id = ANY($1::uuid[])
        AND ((v.kind = 'concern' AND v.occurred_at >= $2::timestamptz) OR v.kind IN ('home_visit', 'appointment'))
      ORDER BY v.occurred_at, r.id`,
    [entries, since]);
  const others = rows.filter((r) => r.agency_id !== ctx.actor.agencyId).map((r) => r.id);
  const actor = withGrants(ctx.actor, await grantsFor(tx, ctx.actor, { recordIds: others }));
  const now = ctx.clock.now();
  const visible = rows.filter((r) => decideRecord(actor, 'read', { id: r.id, agencyId: r.agency_id, restricted: r.restricted, createdBy: r.created_by, namedPractitionerIds: r.named ?? [] }, now).allowed);
  const lastSeen = new Map<string, string>();
  for (const r of visible) if (SEEN(r.kind, r.outcome)) lastSeen.set(r.agency_id, new Date(r.occurred_at).toISOString());
  const unresolved = (r: (typeof rows)[number]): boolean => (lastSeen.get(r.agency_id) ?? '') <= new Date(r.occurred_at).toISOString();
  const pointer = (r: (typeof rows)[number]): RecordPointer => ({ recordId: r.id, personId: r.person_id, agencyId: r.agency_id, occurredAt: r.occurred_at });
  return {
    noAccess: visible.filter((r) => r.kind === 'home_visit' && r.outcome === 'no_access' && unresolved(r)).map(pointer),
    notBrought: visible.filter((r) => r.kind === 'appointment' && r.outcome === 'not_brought' && unresolved(r)).map(pointer),
    concerns: visible.filter((r) => r.kind === 'concern').map(pointer),
  };
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** Why closing needs a monitoring agency, in words with the counts; undefined when it does not. */
export function reasonsToMonitor(found: SafetyRecords): string | undefined {
  const parts = [];
  if (found.noAccess.length) parts.push(`${plural(found.noAccess.length, 'home visit', 'home visits')} with no access`);
  if (found.notBrought.length) parts.push(`${plural(found.notBrought.length, 'appointment', 'appointments')} the child was not brought to`);
  if (found.concerns.length) parts.push(`${plural(found.concerns.length, 'concern', 'concerns')} recorded since the episode opened`);
  if (parts.length > 1) return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)!}`;
  return parts[0];
}

// ---------------------------------------------------------------------------------------------
// Safe closure (case example 8)

export interface ClosingEpisode {
  id: string;
  agencyId: string;
  childPersonId: string;
  openedAt: string;
}

/** How the episode ends, for the words of a refusal and of the notices; and where in the request the monitoring fields are. */
export interface ClosingBy {
  /** The action in words, e.g. "Assessment completed: no further action"; undefined for the explicit close. */
  label?: string | undefined;
  /** JSON Pointer prefix of the monitoring fields: '/action' on an episode action, '' on a referral decision. */
  prefix?: string | undefined;
}

interface Involved {
  reasons: Set<string>;
  personId: string | null;
}

/** Every agency involved with the child in this episode, and why: the closing agency itself excluded. */
async function involvedAgencies(tx: Tx, episode: ClosingEpisode, monitor: Monitor, named: readonly string[]): Promise<Map<string, Involved>> {
  const linked = await linkedEntries(tx, episode.childPersonId);
  const involved = new Map<string, Involved>();
  const add = (agencyId: unknown, reason: string): void => {
    if (typeof agencyId !== 'string' || agencyId === episode.agencyId) return;
    const entry = involved.get(agencyId) ?? { reasons: new Set<string>(), personId: linked.find((e) => e.agencyId === agencyId)?.personId ?? null };
    entry.reasons.add(reason);
    involved.set(agencyId, entry);
  };
  for (const e of linked) add(e.agencyId, 'linked_entry');
  const actions = (await tx.query<{ type: string; details: Record<string, unknown> | string }>(
    `SELECT type, details FROM episode_action WHERE episode_id = $1 AND type IN ('referral_received', 'strategy_discussion_held', 'conference_held') ORDER BY seq`, [episode.id])).rows;
  for (const a of actions) {
    const d = (typeof a.details === 'string' ? JSON.parse(a.details) : a.details) as Record<string, unknown>;
    if (a.type === 'conference_held' && Array.isArray(d.invitedAgencyIds)) for (const id of d.invitedAgencyIds) add(id, 'conference');
    if (a.type === 'strategy_discussion_held' && Array.isArray(d.participants)) for (const p of d.participants as { agencyId?: unknown }[]) add(p.agencyId, 'strategy_discussion');
    if (a.type === 'referral_received') {
      add(d.referrerAgencyId, 'referrer');
      if (d.referrer && typeof d.referrer === 'object') add((d.referrer as { agencyId?: unknown }).agencyId, 'referrer');
    }
  }
  // Meetings held for the episode, where the meetings module is installed.
  if ((await tx.query<{ present: boolean }>("SELECT to_regclass('meeting_invitee') IS NOT NULL AS present")).rows[0]?.present) {
    const invited = (await tx.query<{ agency_id: string; kind: string }>(
      `SELECT DISTINCT i.agency_id, m.kind FROM meeting_invitee i JOIN meeting m ON m.id = i.meeting_id
        WHERE m.episode_id = $1 AND m.kind IN ('conference', 'strategy_discussion') AND m.status <> 'cancelled'`, [episode.id])).rows;
    for (const i of invited) add(i.agency_id, i.kind);
  }
  add(monitor.agencyId, 'monitoring');
  const monitoring = involved.get(monitor.agencyId);
  if (monitoring) monitoring.personId ??= monitor.personId;
  for (const id of named) add(id, 'named');
  // Only agencies that exist (a conference record may name one that does not).
  const known = new Set((await tx.query<{ id: string }>('SELECT id FROM agency WHERE id = ANY($1::uuid[])', [[...involved.keys()]])).rows.map((r) => r.id));
  for (const id of [...involved.keys()]) if (!known.has(id)) involved.delete(id);
  return involved;
}

/**
 * The closure rule, called by recordEpisodeAction before any action that ends an episode is
 * recorded: the explicit close, a referral or an assessment decided as no further action (or
 * advice, or another agency), a child in need plan closed, a plan ended without a further plan.
 *
 * After any unresolved home visit with no access or appointment the child was not brought to in
 * the child's chronology (shared records and those before the episode included), or with
 * concerns recorded during the episode (as far as the closing practitioner can see them), the
 * episode ends only when it names the agency (and practitioner) that will monitor and what they
 * will check; otherwise it is refused with a 422 naming the field and saying why, with the
 * counts. When an agency is named, this sets up the monitoring arrangement and sends a closure
 * notice to every involved agency (linked entries of the child, conference and strategy
 * discussion invitees, the referrer, the monitoring agency, any named), each of which must
 * acknowledge. All in the caller's transaction: a refusal later on writes nothing.
 */
export async function checkSafeClosure(ctx: ActorContext, tx: Tx, episode: ClosingEpisode, action: ClosureFields, occurredAt: string, by: ClosingBy = {}): Promise<void> {
  const at = (field: string): string => `${by.prefix ?? '/action'}/${field}`;
  const found = await childSafetyRecords(ctx, tx, episode.childPersonId, episode.openedAt);
  const why = reasonsToMonitor(found);
  if (!action.monitoringAgencyId) {
    if (why) {
      const detail = by.label
        ? `${by.label} ends the episode: it cannot be recorded without naming the agency that will monitor the child: ${why}.`
        : `This case cannot be closed without naming the agency that will monitor the child: ${why}.`;
      throw invalid(detail, [
        { pointer: at('monitoringAgencyId'), detail: `Name the agency that will monitor the child, and what it will check: ${why} (case example 8)` },
      ]);
    }
    if (action.monitoringPractitionerId || action.arrangement) {
      throw invalid('Name the agency that will monitor the child.', [{ pointer: at('monitoringAgencyId'), detail: 'A monitoring practitioner or arrangement needs the agency that will monitor' }]);
    }
    return;
  }
  const { monitor, errors } = await resolveMonitor(ctx, tx, { id: episode.childPersonId, agencyId: episode.agencyId }, action.monitoringAgencyId, action.monitoringPractitionerId,
    { agency: at('monitoringAgencyId'), practitioner: at('monitoringPractitionerId') });
  const arrangement: ClosureMonitoring | undefined = action.arrangement;
  if (!arrangement) errors.push({ pointer: at('arrangement'), detail: 'Say what the monitoring agency will check, every how many days, and until when' });
  const startsOn = arrangement?.startsOn ?? londonDate(new Date(occurredAt));
  if (arrangement && arrangement.endsOn < startsOn) errors.push({ pointer: at('arrangement/endsOn'), detail: `The end must not be before the start (${startsOn})` });
  const named = [...new Set(action.alsoNotifyAgencyIds ?? [])];
  const known = (await tx.query<{ id: string }>('SELECT id FROM agency WHERE id = ANY($1::uuid[])', [named])).rows.map((r) => r.id);
  (action.alsoNotifyAgencyIds ?? []).forEach((id, i) => { if (!known.includes(id)) errors.push({ pointer: at(`alsoNotifyAgencyIds/${i}`), detail: 'No agency with that identifier' }); });
  if (errors.length || !monitor || !arrangement) throw invalid('The monitoring after closure is not complete.', errors);

  const arrangementId = await insertArrangement(ctx, tx, {
    childPersonId: episode.childPersonId, monitor, checks: arrangement.checks, everyDays: arrangement.everyDays, startsOn, endsOn: arrangement.endsOn,
    escalation: arrangement.escalation, agreedAgencyIds: [episode.agencyId], episodeId: episode.id,
  });
  const involved = await involvedAgencies(tx, episode, monitor, named);
  const now = ctx.clock.now();
  const how = by.label ? ` (${by.label.charAt(0).toLowerCase()}${by.label.slice(1)})` : '';
  const message = `A case has been closed${how}${why ? ` after ${why}` : ''}. ${monitor.agencyName} will monitor the child every ${arrangement.everyDays} days until ${plainDate(arrangement.endsOn)}. Please acknowledge.`;
  for (const [agencyId, entry] of involved) {
    const noticeId = newId();
    await tx.query(
      `INSERT INTO closure_notice (id, episode_id, arrangement_id, closing_agency_id, agency_id, person_id, involved_because, no_access_visits, open_concerns, closed_at, notified_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
      [noticeId, episode.id, arrangementId, episode.agencyId, agencyId, entry.personId, [...entry.reasons], found.noAccess.length, found.concerns.length, occurredAt, now.toISOString()]);
    const recipients = await safeguardingLeads(tx, agencyId);
    if (agencyId === monitor.agencyId) recipients.push(monitor.practitionerId);
    await notifyPractitioners(tx, recipients, { kind: 'episode.closure-notice', entityType: 'closure_notice', entityId: noticeId, message }, now);
  }
  await audit(ctx, tx, {
    action: 'episode.closure-notices', outcome: 'success', entityType: 'episode', entityId: episode.id, personId: episode.childPersonId,
    detail: { arrangementId, notices: involved.size, noAccessVisits: found.noAccess.length, notBrought: found.notBrought.length, openConcerns: found.concerns.length },
  });
}

// ---------------------------------------------------------------------------------------------
// An episode's safety summary

interface EpisodeFacts {
  id: string;
  agency_id: string;
  child_person_id: string;
  opened_at: string;
  closed_at: string | null;
}

const episodeKey = (id: string): string => `episode:${id}`;

/**
 * Hands an episode already read in this request (getEpisode, first on the episode's page) to the
 * services after it, which read it through episodeOfAuthority: a fact, not a decision (each still
 * decides on it). Without the request's reads (a write, the API) it does nothing.
 */
export function rememberEpisode(reads: RequestReads | undefined, e: EpisodeFacts): void {
  void reads?.once(episodeKey(e.id), () => Promise.resolve({ id: e.id, agency_id: e.agency_id, child_person_id: e.child_person_id, opened_at: e.opened_at, closed_at: e.closed_at }));
}

/** An episode of the caller's own authority, or refused as not found (as episodes.ts does). */
export async function episodeOfAuthority(ctx: ActorContext, tx: Tx, id: string, action: string): Promise<EpisodeFacts> {
  const e = await readOnce(ctx.reads, episodeKey(id), async () =>
    (await tx.query<EpisodeFacts>('SELECT id, agency_id, child_person_id, opened_at, closed_at FROM episode WHERE id = $1', [id])).rows[0]);
  if (!e) throw refuse('episode', { action, entityType: 'episode', entityId: id, outcome: 'not_found' });
  // Made only when refusing: an error (and its stack) per call was a page's cost for nothing.
  const denied = (): AccessRefused => refuse('episode', { action, entityType: 'episode', entityId: id, personId: e.child_person_id });
  if (e.agency_id !== ctx.actor.agencyId) throw denied();
  try {
    await personInReach(ctx, tx, e.child_person_id, 'update', action);
  } catch (err) {
    if (err instanceof AccessRefused) throw denied();
    throw err;
  }
  return e;
}

/**
 * What an episode needs before it closes: the no-access visits and concerns about the child the
 * caller may see, whether closing needs a monitoring agency, the arrangements for the child, and
 * the closure notices sent with who has acknowledged them.
 */
export async function episodeSafetySummary(ctx: ActorContext, episodeId: string): Promise<EpisodeSafetySummary> {
  return command(ctx, async (tx) => {
    const e = await episodeOfAuthority(ctx, tx, episodeId, 'episode.safety-summary');
    const found = await childSafetyRecords(ctx, tx, e.child_person_id, e.opened_at);
    const rows = (await tx.query<ArrangementRow>(`${SELECT_ARRANGEMENT} WHERE a.episode_id = $1 OR a.child_person_id = $2 OR a.responsible_person_id = $2 ORDER BY a.created_at, a.id`,
      [e.id, e.child_person_id])).rows;
    const arrangements: MonitoringArrangement[] = [];
    for (const r of rows) {
      const role = roleIn(ctx.actor, r);
      if (role) arrangements.push(await shapeArrangement(ctx, tx, r, role));
    }
    const notices = (await tx.query<NoticeRow>(`${SELECT_NOTICE} WHERE n.episode_id = $1 AND n.closing_agency_id = $2 ORDER BY ra.name, n.id`, [e.id, ctx.actor.agencyId])).rows;
    await audit(ctx, tx, {
      action: 'episode.safety-summary', outcome: 'success', entityType: 'episode', entityId: e.id, personId: e.child_person_id,
      detail: { noAccessVisits: found.noAccess.length, notBrought: found.notBrought.length, openConcerns: found.concerns.length },
    });
    return {
      episodeId: e.id, childPersonId: e.child_person_id, openedAt: e.opened_at, open: e.closed_at === null,
      noAccessVisits: { count: found.noAccess.length, visits: found.noAccess },
      notBroughtAppointments: { count: found.notBrought.length, appointments: found.notBrought },
      openConcerns: { count: found.concerns.length, records: found.concerns },
      closureNeedsMonitoring: reasonsToMonitor(found) !== undefined,
      arrangements,
      closureNotices: notices.map((n) => toNotice(ctx.actor, n)),
    };
  });
}


/**
 * The counts a child's page shows (issue 17): unresolved home visits with no access and
 * appointments the child was not brought to, counted as for safe closure (the whole chronology as
 * the caller may see it, shared records included), and the monitoring arrangements for the child
 * the caller's agency is part of.
 */
export async function childSafetyCounts(ctx: ActorContext, personId: string): Promise<{ noAccessVisits: number; notBroughtAppointments: number; arrangements: MonitoringArrangement[] }> {
  return command(ctx, async (tx) => {
    await personInReach(ctx, tx, personId, 'read', 'person.safety-counts');
    const found = await childSafetyRecords(ctx, tx, personId, ctx.clock.now().toISOString());
    const rows = (await tx.query<ArrangementRow>(
      // Each way of being about the person asked through its own index (one OR over all three read every arrangement).
      `${SELECT_ARRANGEMENT} WHERE a.id IN (SELECT id FROM monitoring_arrangement WHERE child_person_id = $1
            UNION ALL SELECT id FROM monitoring_arrangement WHERE responsible_person_id = $1
            UNION ALL SELECT arrangement_id FROM closure_notice WHERE person_id = $1) ORDER BY a.created_at, a.id`, [personId])).rows;
    const arrangements: MonitoringArrangement[] = [];
    for (const r of rows) {
      const role = roleIn(ctx.actor, r);
      if (role) arrangements.push(await shapeArrangement(ctx, tx, r, role));
    }
    await audit(ctx, tx, { action: 'person.safety-counts', outcome: 'success', entityType: 'person', entityId: personId, personId, detail: { noAccessVisits: found.noAccess.length, notBrought: found.notBrought.length } });
    return { noAccessVisits: found.noAccess.length, notBroughtAppointments: found.notBrought.length, arrangements };
  });
}
