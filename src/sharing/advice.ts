import { checkView } from '../access/views.ts';
import { audit, command, refuse } from '../audit/audit.ts';
import type { ActorContext } from '../shared/context.ts';
import { conflict } from '../shared/errors.ts';
import { notifyPractitioners } from './notify.ts';
import type { Answers } from './schemas.ts';

export interface AdviceRequest {
  id: string;
  decisionId: string;
  askedBy: string;
  askedByName: string;
  askedAt: string;
  adviserRole: string;
  question: string;
  answers: Answers;
  /** Only when the asker chose to reveal who the person is (golden rule 3). */
  personId: string | null;
  advice: string | null;
  advisedBy: string | null;
  advisedAt: string | null;
}

interface Row {
  id: string;
  decision_id: string;
  asked_by: string;
  asked_by_name: string;
  asked_at: string;
  adviser_role: string;
  adviser_id: string | null;
  question: string;
  identity_revealed: boolean;
  answers: Answers;
  person_id: string;
  advice: string | null;
  advised_by: string | null;
  advised_at: string | null;
  agency_id: string;
}

const SELECT = `SELECT a.*, p.name AS asked_by_name, d.answers, d.person_id
  FROM advice_request a JOIN share_decision d ON d.id = a.decision_id JOIN practitioner p ON p.id = a.asked_by`;

const toAdvice = (r: Row): AdviceRequest => ({
  id: r.id, decisionId: r.decision_id, askedBy: r.asked_by, askedByName: r.asked_by_name, askedAt: r.asked_at, adviserRole: r.adviser_role,
  question: r.question, answers: r.answers, personId: r.identity_revealed ? r.person_id : null,
  advice: r.advice, advisedBy: r.advised_by, advisedAt: r.advised_at,
});

const mayAdvise = (ctx: ActorContext, r: Row): boolean =>
  r.agency_id === ctx.actor.agencyId && (r.adviser_id ? r.adviser_id === ctx.actor.practitionerId : ctx.actor.roles.includes(r.adviser_role as never));

/** Requests waiting for the caller's advice: by name, or by the role they hold in their agency. */
export async function listAdviceQueue(ctx: ActorContext): Promise<AdviceRequest[]> {
  return command(ctx, async (tx) => {
    checkView(ctx, 'advice-requests', 'advice.list');
    const { rows } = await tx.query<Row>(`${SELECT} WHERE a.agency_id = $1 AND a.advice IS NULL ORDER BY a.asked_at`, [ctx.actor.agencyId]);
    const mine = rows.filter((r) => mayAdvise(ctx, r));
    await audit(ctx, tx, { action: 'advice.list', outcome: 'success', entityType: 'agency', entityId: ctx.actor.agencyId, detail: { count: mine.length } });
    return mine.map(toAdvice);
  });
}

export async function getAdviceRequest(ctx: ActorContext, id: string): Promise<AdviceRequest> {
  return command(ctx, async (tx) => {
    const r = (await tx.query<Row>(`${SELECT} WHERE a.id = $1`, [id])).rows[0];
    if (!r || !(mayAdvise(ctx, r) || r.asked_by === ctx.actor.practitionerId)) {
      throw refuse('advice request', { action: 'advice.read', entityType: 'advice_request', entityId: id, outcome: r ? 'denied' : 'not_found' });
    }
    await audit(ctx, tx, { action: 'advice.read', outcome: 'success', entityType: 'advice_request', entityId: id, personId: r.identity_revealed ? r.person_id : undefined });
    return toAdvice(r);
  });
}

/** The adviser records their advice; it is kept against the decision and the asker is told. */
export async function giveAdvice(ctx: ActorContext, id: string, advice: string): Promise<AdviceRequest> {
  return command(ctx, async (tx) => {
    const r = (await tx.query<Row>(`${SELECT} WHERE a.id = $1 FOR UPDATE OF a`, [id])).rows[0];
    if (!r || !mayAdvise(ctx, r)) throw refuse('advice request', { action: 'advice.give', entityType: 'advice_request', entityId: id, outcome: r ? 'denied' : 'not_found' });
    if (r.advice) throw conflict('Advice has already been given on this request.');
    const now = ctx.clock.now();
    await tx.query('UPDATE advice_request SET advice = $2, advised_by = $3, advised_at = $4 WHERE id = $1', [id, advice, ctx.actor.practitionerId, now.toISOString()]);
    await notifyPractitioners(tx, [r.asked_by], { kind: 'advice.given', entityType: 'share_decision', entityId: r.decision_id, message: 'The advice you asked for has been given.' }, now);
    await audit(ctx, tx, { action: 'advice.give', outcome: 'success', entityType: 'advice_request', entityId: id });
    return toAdvice({ ...r, advice, advised_by: ctx.actor.practitionerId, advised_at: now.toISOString() });
  });
}
