import type { FastifyReply, FastifyRequest } from 'fastify';
import { acknowledgeClosureNotice, getClosureNotice } from '../../process/closure-notices.ts';
import { alertArrangement, clearMissedCheck } from '../../process/missed-checks.ts';
import { endArrangement, getArrangement, recordCheck } from '../../process/monitoring.ts';
import { Acknowledgement, EndArrangement, MissedCheckReason, NewMonitoringCheck } from '../../process/monitoring.schemas.ts';
import { fieldProblems, Problem } from '../../shared/errors.ts';
import { calendarDate, dateParts, FormErrors, formOf, londonInstant, nowTime, opt, str, todayParts, validationProblem, type FormBody } from '../forms.ts';
import type { Web } from '../web.ts';

type IdParams = { id: string };

/** Banners for this module's own redirects (codes only, never personal data). */
const BANNERS: Record<string, string> = {
  'closure-acknowledged': 'The closure notice has been acknowledged. The agency that closed the case can see it.',
  'check-recorded': 'The check has been recorded. A check where the child was seen clears any missed check.',
  'missed-check-cleared': 'The missed check has been cleared with your reason.',
  'arrangement-ended': 'The monitoring arrangement has ended. The other agency has been told.',
};
const banner = (request: FastifyRequest): string | undefined => BANNERS[(request.query as { done?: string } | undefined)?.done ?? ''];

const OUTCOMES = [
  { value: 'done', text: 'Seen: the check was made', hint: { text: 'The next check is due from this date' } },
  { value: 'no_access', text: 'Not seen: no access, or the child was not there', hint: { text: 'The check stays due, and the agency that set up the monitoring is told at once' } },
];

/**
 * Monitoring after closure on the pages (issue 17, item 4): the closure notice an involved agency
 * reads and acknowledges, and the arrangement page where the monitoring agency records its checks,
 * clears a missed one only with a reason, and either side ends it with a reason.
 */
export function registerMonitoringPages(web: Web): void {
  const { app } = web;

  const noticePage = async (request: FastifyRequest<{ Params: IdParams }>, reply: FastifyReply, errors?: FormErrors, values: FormBody = {}): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const notice = await getClosureNotice(ctx, request.params.id);
    const data = {
      pageTitle: 'A case closure notice', notice, values, successBanner: banner(request),
      canAcknowledge: notice.direction === 'received' && !notice.acknowledgedAt, backLink: '/tasks',
    };
    return errors?.any ? web.renderErrors(request, reply, 'monitoring/closure-notice.njk', errors, data) : web.render(request, reply, 'monitoring/closure-notice.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get<{ Params: IdParams }>('/closure-notices/:id', (request, reply) => noticePage(request, reply));

  app.post<{ Params: IdParams }>('/closure-notices/:id/acknowledge', async (request, reply) => {
    const f = formOf(request.body);
    const parsed = Acknowledgement.safeParse({ note: opt(f, 'note') });
    const errors = new FormErrors();
    if (!parsed.success) errors.addProblems(fieldProblems(parsed.error), { '/note': 'note' }, 'note');
    if (!parsed.success) return noticePage(request, reply, errors, f);
    await acknowledgeClosureNotice(web.ctx(request), request.params.id, parsed.data);
    return reply.redirect(`/closure-notices/${request.params.id}?done=closure-acknowledged`, 303);
  });

  /** Which form on the arrangement page the errors belong to, and what was typed there. */
  interface Typed { form: 'check' | 'clear' | 'end'; alertId?: string; values: FormBody }

  const arrangementPage = async (request: FastifyRequest<{ Params: IdParams }>, reply: FastifyReply, errors?: FormErrors, typed?: Typed): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const a = await getArrangement(ctx, request.params.id);
    const now = ctx.clock.now();
    const responsible = a.responsibleAgencyId === ctx.actor.agencyId;
    const check = typed?.form === 'check' ? typed.values : { outcome: '', place: '', note: '', checkedTime: nowTime(now) };
    const data = {
      pageTitle: 'A monitoring arrangement', a, responsible, successBanner: banner(request),
      active: a.status === 'active',
      canEnd: a.status !== 'ended' && (responsible || a.recordingAgencyId === ctx.actor.agencyId),
      openAlerts: a.alerts.filter((x) => !x.acknowledgedAt),
      clearedAlerts: a.alerts.filter((x) => x.acknowledgedAt),
      outcomes: OUTCOMES.map((o) => ({ ...o, checked: check.outcome === o.value })),
      check, checkedDate: typed?.form === 'check' ? dateParts(typed.values, 'checked') : todayParts(now),
      clearing: typed?.form === 'clear' ? { alertId: typed.alertId, reason: str(typed.values, 'reason') } : undefined,
      ending: typed?.form === 'end' ? str(typed.values, 'reason') : '',
      backLink: '/tasks',
    };
    return errors?.any ? web.renderErrors(request, reply, 'monitoring/arrangement.njk', errors, data) : web.render(request, reply, 'monitoring/arrangement.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get<{ Params: IdParams }>('/monitoring/:id', (request, reply) => arrangementPage(request, reply));

  // A missed check's notification leads here: to the arrangement it belongs to, for a party to it.
  app.get<{ Params: IdParams }>('/monitoring-alerts/:id', async (request, reply) => {
    const arrangementId = await alertArrangement(web.ctx(request), request.params.id);
    return reply.redirect(`/monitoring/${arrangementId}#missed-checks`, 303);
  });

  app.post<{ Params: IdParams }>('/monitoring/:id/checks', async (request, reply) => {
    const ctx = web.ctx(request);
    const f = formOf(request.body);
    const errors = new FormErrors();
    if (!str(f, 'outcome')) errors.add('outcome', 'Say whether the child was seen');
    const day = calendarDate(dateParts(f, 'checked'), 'The date of the check');
    let checkedAt: string | undefined;
    if (day.error) errors.add('checked-day', day.error);
    else if (!day.value) errors.add('checked-day', 'Enter the date of the check');
    else {
      const at = londonInstant(day.value, str(f, 'checkedTime') || '12:00');
      if (at.error) errors.add('checkedTime', at.error);
      checkedAt = at.value;
    }
    const map = { '/outcome': 'outcome', '/checkedAt': 'checked-day', '/place': 'place', '/note': 'note' };
    const parsed = NewMonitoringCheck.safeParse({ outcome: opt(f, 'outcome'), checkedAt, place: opt(f, 'place'), note: str(f, 'note') });
    if (!parsed.success) errors.addProblems(fieldProblems(parsed.error).filter((p) => !(errors.byField.outcome && p.pointer === '/outcome') && !(errors.any && p.pointer === '/checkedAt')), map, 'note');
    if (errors.any || !parsed.success) return arrangementPage(request, reply, errors, { form: 'check', values: f });
    try {
      await recordCheck(ctx, request.params.id, parsed.data);
    } catch (err) {
      const p = validationProblem(err);
      if (!p) throw err;
      errors.addProblems(p.errors, map, 'note');
      return arrangementPage(request, reply, errors, { form: 'check', values: f });
    }
    return reply.redirect(`/monitoring/${request.params.id}?done=check-recorded`, 303);
  });

  app.post<{ Params: IdParams & { alert: string } }>('/monitoring/:id/missed-checks/:alert/clear', async (request, reply) => {
    const f = formOf(request.body);
    const field = `reason-${request.params.alert}`;
    const parsed = MissedCheckReason.safeParse({ reason: str(f, 'reason') });
    if (!parsed.success) {
      const errors = new FormErrors();
      errors.add(field, 'Give the reason the check was missed, or record the check instead');
      return arrangementPage(request, reply, errors, { form: 'clear', alertId: request.params.alert, values: f });
    }
    try {
      await clearMissedCheck(web.ctx(request), request.params.alert, parsed.data);
    } catch (err) {
      // A second press after the first cleared it: back to the page, where it shows as cleared.
      if (!(err instanceof Problem && err.status === 409)) throw err;
    }
    return reply.redirect(`/monitoring/${request.params.id}?done=missed-check-cleared#missed-checks`, 303);
  });

  app.post<{ Params: IdParams }>('/monitoring/:id/end', async (request, reply) => {
    const f = formOf(request.body);
    const parsed = EndArrangement.safeParse({ reason: str(f, 'reason') });
    if (!parsed.success) {
      const errors = new FormErrors();
      errors.add('end-reason', 'Say why the monitoring is ending');
      return arrangementPage(request, reply, errors, { form: 'end', values: f });
    }
    try {
      await endArrangement(web.ctx(request), request.params.id, parsed.data);
    } catch (err) {
      if (!(err instanceof Problem && err.status === 409)) throw err;
    }
    return reply.redirect(`/monitoring/${request.params.id}?done=arrangement-ended`, 303);
  });
}
