import type { FastifyReply, FastifyRequest } from 'fastify';
import { childFlags, endLookedAfter, listLookedAfter, recordLookedAfter } from '../../flags/flags.ts';
import { lookupFlags, mayLookUpFlags } from '../../flags/lookup.ts';
import { AcknowledgeSeen, EndLookedAfter, FlagLookup, HEALTH_SETTING_TYPES, LEGAL_STATUSES, NewLookedAfter, type SeenNotification } from '../../flags/schemas.ts';
import { acknowledgeSeenNotification, getSeenNotification, listSeenNotifications } from '../../notifications/seen.ts';
import { getPerson } from '../../people/people.ts';
import { fieldProblems, forbidden, notFound, Problem } from '../../shared/errors.ts';
import { calendarDate, dateParts, FormErrors, formOf, londonInstant, nowTime, opt, parseForm, str, todayParts, validationProblem } from '../forms.ts';
import { whoAmI } from '../session-info.ts';
import { personName, ukDateTime } from '../view.ts';
import { safely, type Web } from '../web.ts';

type IdParams = { id: string };


export const SETTING_TYPE_LABELS: Record<(typeof HEALTH_SETTING_TYPES)[number], string> = {
  emergency_department: 'Emergency department',
  urgent_care: 'Urgent care centre',
  walk_in_centre: 'Walk-in centre',
  maternity: 'Maternity',
  out_of_hours_gp: 'Out-of-hours GP',
  ambulance: 'Ambulance service',
};

const legalStatusText = (v: string): string => LEGAL_STATUS_LABELS[v as keyof typeof LEGAL_STATUS_LABELS] ?? v;

const settingLabel = (type: string): string => SETTING_TYPE_LABELS[type as keyof typeof SETTING_TYPE_LABELS] ?? type;

const LEGAL_STATUS_LABELS: Record<(typeof LEGAL_STATUSES)[number], string> = {
  care_order: 'Care order (Children Act 1989, section 31)',
  interim_care_order: 'Interim care order (section 38)',
  section_20: 'Accommodated with the parents’ agreement (section 20)',
  placement_order: 'Placement order',
  emergency_protection_order: 'Emergency protection order',
  police_protection: 'Police protection',
  remand: 'Remanded to local authority accommodation',
  other: 'Other',
};

/** The error summary follows the order of the form, whichever check found the problem first. */
const LOOKUP_FIELD_ORDER = ['settingName', 'settingType', 'unscheduled', 'searchBy', 'nhsNumber', 'givenNames', 'familyName', 'dob-day', 'postcode'];

const LOOKUP_FIELDS: Record<string, string> = {
  '/setting/name': 'settingName', '/setting/type': 'settingType', '/setting': 'settingName', '/unscheduled': 'unscheduled', '/nhsNumber': 'nhsNumber',
  '/demographics/givenNames': 'givenNames', '/demographics/familyName': 'familyName', '/demographics/dateOfBirth': 'dob-day', '/demographics/postcode': 'postcode',
};

/** Plain words for why a delivery has not arrived: never the network's detail (src/notifications/seen.ts keeps it out). */
const FAILURE_WORDS: Record<string, string> = {
  address_not_allowed: 'the address is not allowed',
  not_accepted: 'the receiver did not accept it',
  no_secret: 'no signing secret is set',
  smtp_not_configured: 'e-mail is not set up on this service',
  smtp_failed: 'the e-mail could not be sent',
};

function deliveryText(d: SeenNotification['deliveries'][number]): string {
  const channel = d.channel === 'webhook' ? 'Webhook' : 'E-mail';
  if (d.deliveredAt) return `${channel}: delivered ${ukDateTime(d.deliveredAt)}`;
  const tries = `${d.attempts} ${d.attempts === 1 ? 'attempt' : 'attempts'}`;
  return `${channel}: not delivered yet (${tries}${d.lastError ? `; ${FAILURE_WORDS[d.lastError] ?? FAILURE_WORDS.not_accepted!}` : ''}); next attempt ${ukDateTime(d.nextAttemptAt)}`;
}

/** Flag lookup for health settings, and the authority's "child was seen" notifications. */
export function registerFlagPages(web: Web): void {
  const { app } = web;

  const mayLookUp = async (request: FastifyRequest): Promise<boolean> => {
    const ctx = web.ctx(request);
    const me = await web.me(request);
    return Boolean(me && mayLookUpFlags(me.agencyType, ctx.actor.roles));
  };

  const lookupPage = (request: FastifyRequest, reply: FastifyReply, values: Record<string, unknown>, errors?: FormErrors): Promise<FastifyReply> => {
    const data = {
      pageTitle: 'Flag lookup', navCurrent: '/flags/lookup', values,
      settingTypes: HEALTH_SETTING_TYPES.map((t) => ({ value: t, text: SETTING_TYPE_LABELS[t] })),
    };
    return errors?.any ? web.renderErrors(request, reply, 'flags/lookup.njk', errors, data) : web.render(request, reply, 'flags/lookup.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get('/flags/lookup', async (request, reply) => {
    if (!(await mayLookUp(request))) throw forbidden('Flags are shown to health practitioners looking a child up in a care setting.');
    return lookupPage(request, reply, { dob: { day: '', month: '', year: '' } });
  });

  // A POST, answered in its own response: NHS numbers, names and dates of birth never appear in an address.
  app.post('/flags/lookup', async (request, reply) => {
    const ctx = web.ctx(request);
    const f = formOf(request.body);
    const values = {
      settingName: str(f, 'settingName'), settingType: opt(f, 'settingType'), unscheduled: opt(f, 'unscheduled'), searchBy: opt(f, 'searchBy'),
      nhsNumber: str(f, 'nhsNumber'), givenNames: str(f, 'givenNames'), familyName: str(f, 'familyName'), dob: dateParts(f, 'dob'), postcode: str(f, 'postcode'),
    };
    const found = new FormErrors();
    if (!values.settingType) found.add('settingType', 'Select the type of care setting');
    if (values.unscheduled !== 'yes' && values.unscheduled !== 'no') found.add('unscheduled', 'Select whether the child’s attendance was planned');
    let dateOfBirth: string | undefined;
    if (values.searchBy === 'nhs') {
      if (!values.nhsNumber) found.add('nhsNumber', 'Enter the NHS number');
    } else if (values.searchBy === 'demographics') {
      const dob = calendarDate(values.dob, 'Date of birth');
      if (!dob.value && !dob.error) found.add('dob-day', 'Enter the date of birth');
      else if (dob.error) found.add('dob-day', dob.error);
      else if (dob.value! > calendarDate(todayParts(ctx.clock.now()), 'Today').value!) found.add('dob-day', 'Date of birth must be today or in the past');
      else dateOfBirth = dob.value;
    } else {
      found.add('searchBy', 'Select whether you have the child’s NHS number');
    }
    const parsed = FlagLookup.safeParse({
      setting: { name: values.settingName, type: values.settingType ?? '' },
      unscheduled: values.unscheduled === 'yes',
      ...(values.searchBy === 'nhs' ? { nhsNumber: values.nhsNumber } : {}),
      ...(values.searchBy === 'demographics' ? { demographics: { givenNames: values.givenNames, familyName: values.familyName, dateOfBirth: dateOfBirth ?? '', postcode: values.postcode } } : {}),
    });
    // The checks above come first, so their plainer messages win over the schema's for the same field.
    if (!parsed.success) found.addProblems(fieldProblems(parsed.error), LOOKUP_FIELDS, 'searchBy');
    if (found.any || !parsed.success) {
      const errors = new FormErrors();
      for (const field of LOOKUP_FIELD_ORDER) if (found.byField[field]) errors.add(field, found.byField[field]);
      return lookupPage(request, reply, values, errors);
    }
    const result = await lookupFlags(ctx, parsed.data);
    return web.render(request, reply, 'flags/result.njk', {
      pageTitle: 'Flag lookup: what was found', navCurrent: '/flags/lookup', result, values,
      setting: { name: parsed.data.setting.name, type: settingLabel(parsed.data.setting.type) }, unscheduled: parsed.data.unscheduled,
      nhsNumber: parsed.data.nhsNumber?.replace(/^(\d{3})(\d{3})(\d{4})$/, '$1 $2 $3'),
    });
  });

  // Looked after: children's social care records when it started and when it ended (childFlags,
  // listLookedAfter, recordLookedAfter and endLookedAfter refuse anyone else).
  const lookedAfterPage = async (request: FastifyRequest, reply: FastifyReply, personId: string, values: Record<string, unknown>, errors?: FormErrors): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const flags = await childFlags(ctx, personId);
    const person = await getPerson(ctx, personId);
    const periods = await listLookedAfter(ctx, personId);
    const query = request.query as { done?: string } | undefined;
    const now = ctx.clock.now();
    const current = periods.find((p) => !p.endedAt);
    const data = {
      pageTitle: 'Looked after', person, name: personName(person), backLink: `/people/${personId}`,
      values: { started: todayParts(now), startedTime: nowTime(now), ended: todayParts(now), endedTime: nowTime(now), ...values },
      flags: flags.flags.filter((f) => f.status === 'active'),
      current: current && { ...current, legalStatusText: legalStatusText(current.legalStatus) },
      past: periods.filter((p) => p.endedAt).map((p) => ({ ...p, legalStatusText: legalStatusText(p.legalStatus) })),
      legalStatuses: LEGAL_STATUSES.map((v) => ({ value: v, text: LEGAL_STATUS_LABELS[v] })),
      successBanner: query?.done === 'looked-after-recorded' ? 'The child is recorded as looked after. Health settings now see the flag.'
        : query?.done === 'looked-after-ended' ? 'The looked-after period has ended. Health settings no longer see the flag.' : undefined,
    };
    return errors?.any ? web.renderErrors(request, reply, 'flags/looked-after.njk', errors, data) : web.render(request, reply, 'flags/looked-after.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get<{ Params: IdParams }>('/people/:id/looked-after', async (request, reply) => {
    const now = web.ctx(request).clock.now();
    return lookedAfterPage(request, reply, request.params.id, { started: todayParts(now), startedTime: nowTime(now) });
  });

  app.post<{ Params: IdParams }>('/people/:id/looked-after', async (request, reply) => {
    const ctx = web.ctx(request);
    const f = formOf(request.body);
    const values = { started: dateParts(f, 'started'), startedTime: str(f, 'startedTime'), legalStatus: opt(f, 'legalStatus') };
    const errors = new FormErrors();
    const day = calendarDate(values.started, 'The date');
    let startedAt: string | undefined;
    if (!day.value && !day.error) errors.add('started-day', 'Enter the date the child became looked after');
    else if (day.error) errors.add('started-day', day.error);
    else {
      const at = londonInstant(day.value!, values.startedTime || '12:00');
      if (at.error) errors.add('startedTime', at.error);
      else if (new Date(at.value!).getTime() > ctx.clock.now().getTime() + 5 * 60_000) errors.add('started-day', 'The date must be today or in the past');
      else startedAt = at.value;
    }
    if (!values.legalStatus) errors.add('legalStatus', 'Select the legal basis');
    const parsed = NewLookedAfter.safeParse({ childPersonId: request.params.id, startedAt, legalStatus: values.legalStatus });
    if (!errors.any && parsed.success) {
      try {
        await recordLookedAfter(ctx, parsed.data);
        return reply.redirect(`/people/${request.params.id}/looked-after?done=looked-after-recorded`, 303);
      } catch (err) {
        // An overlapping period (409) or a person who is not a child (422) is said on the form.
        if (err instanceof Problem && err.status === 409) errors.add('started-day', err.detail ?? 'The child is already looked after in that period');
        else {
          const p = validationProblem(err);
          if (!p) throw err;
          errors.addProblems(p.errors, { '/startedAt': 'started-day', '/legalStatus': 'legalStatus' }, 'started-day');
        }
      }
    } else if (!parsed.success && !errors.any) {
      errors.addProblems(fieldProblems(parsed.error), { '/startedAt': 'started-day', '/legalStatus': 'legalStatus' }, 'started-day');
    }
    return lookedAfterPage(request, reply, request.params.id, values, errors);
  });

  app.post<{ Params: IdParams & { periodId: string } }>('/people/:id/looked-after/:periodId/end', async (request, reply) => {
    const ctx = web.ctx(request);
    const { id: personId, periodId } = request.params;
    // A period of another child (or another authority) looks like one that does not exist.
    if (!(await listLookedAfter(ctx, personId)).some((p) => p.id === periodId)) throw notFound('looked-after period');
    const f = formOf(request.body);
    const values = { ended: dateParts(f, 'ended'), endedTime: str(f, 'endedTime'), endReason: str(f, 'endReason') };
    const errors = new FormErrors();
    const day = calendarDate(values.ended, 'The date');
    let endedAt: string | undefined;
    if (!day.value && !day.error) errors.add('ended-day', 'Enter the date the child stopped being looked after');
    else if (day.error) errors.add('ended-day', day.error);
    else {
      const at = londonInstant(day.value!, values.endedTime || '12:00');
      if (at.error) errors.add('endedTime', at.error);
      else endedAt = at.value;
    }
    const fields = { '/endedAt': 'ended-day', '/reason': 'endReason' };
    try {
      const input = parseForm(EndLookedAfter, { endedAt: endedAt ?? '', reason: values.endReason });
      if (!errors.any) {
        await endLookedAfter(ctx, periodId, input);
        return reply.redirect(`/people/${personId}/looked-after?done=looked-after-ended`, 303);
      }
    } catch (err) {
      if (err instanceof Problem && err.status === 409) errors.add('ended-day', err.detail ?? 'This period has already ended');
      else {
        const p = validationProblem(err);
        if (!p) throw err;
        // The date's own message (missing, not real) comes before the schema's.
        errors.addProblems(p.errors.filter((e) => !(e.pointer === '/endedAt' && errors.byField['ended-day'])), fields, 'ended-day');
      }
    }
    return lookedAfterPage(request, reply, personId, values, errors);
  });

  const describe = async (request: FastifyRequest, n: SeenNotification, names: Map<string, string>): Promise<Record<string, unknown>> => {
    const ctx = web.ctx(request);
    const child = await safely(() => getPerson(ctx, n.childPersonId));
    let acknowledgedByName: string | undefined;
    if (n.acknowledgedBy) {
      if (!names.has(n.acknowledgedBy)) names.set(n.acknowledgedBy, (await whoAmI(ctx.db, n.acknowledgedBy))?.name ?? 'A former colleague');
      acknowledgedByName = names.get(n.acknowledgedBy);
    }
    return {
      ...n, childName: child ? personName(child) : undefined, settingTypeLabel: settingLabel(n.setting.type), acknowledgedByName,
      deliveryLines: n.deliveries.map(deliveryText),
    };
  };

  app.get<{ Querystring: { status?: string } }>('/seen-notifications', async (request, reply) => {
    const all = request.query.status === 'all';
    const list = await listSeenNotifications(web.ctx(request), { status: all ? 'all' : 'open' });
    // Each row names the child (a read of their entry), so a long history is cut to the newest.
    const shown = list.slice(0, 100);
    const names = new Map<string, string>();
    const rows = [];
    for (const n of shown) rows.push(await describe(request, n, names));
    return web.render(request, reply, 'flags/seen-list.njk', { pageTitle: 'Children seen in unscheduled care', navCurrent: '/seen-notifications', rows, all, total: list.length });
  });

  const seenPage = async (request: FastifyRequest, reply: FastifyReply, id: string, values: Record<string, unknown> = {}, errors?: FormErrors): Promise<FastifyReply> => {
    const n = await getSeenNotification(web.ctx(request), id);
    const query = request.query as { done?: string } | undefined;
    const data = {
      pageTitle: 'A child was seen', navCurrent: '/seen-notifications', backLink: '/seen-notifications', values,
      n: await describe(request, n, new Map()),
      successBanner: query?.done === 'seen-acknowledged' ? 'The notification has been acknowledged.' : undefined,
    };
    return errors?.any ? web.renderErrors(request, reply, 'flags/seen.njk', errors, data) : web.render(request, reply, 'flags/seen.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get<{ Params: IdParams }>('/seen-notifications/:id', async (request, reply) => seenPage(request, reply, request.params.id));

  app.post<{ Params: IdParams }>('/seen-notifications/:id/acknowledge', async (request, reply) => {
    const note = opt(formOf(request.body), 'note');
    const parsed = AcknowledgeSeen.safeParse({ note });
    if (!parsed.success) {
      const errors = new FormErrors();
      errors.addProblems(fieldProblems(parsed.error), { '/note': 'note' }, 'note');
      return seenPage(request, reply, request.params.id, { note }, errors);
    }
    await acknowledgeSeenNotification(web.ctx(request), request.params.id, parsed.data);
    return reply.redirect(`/seen-notifications/${request.params.id}?done=seen-acknowledged`, 303);
  });
}
