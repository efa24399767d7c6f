import type { FastifyReply, FastifyRequest } from 'fastify';
import { createFhirTokenAs, DEFAULT_FHIR_TOKEN_DAYS, getFhirTokenAs, listFhirTokensAs, NewFhirToken, revokeFhirTokenAs } from '../../fhir/token-administration.ts';
import { setPasswordSettings } from '../../auth/set-password.ts';
import { HEALTH_SETTING_TYPES } from '../../flags/schemas.ts';
import { fieldProblems } from '../../shared/errors.ts';
import { FormErrors, formOf, opt, str, validationProblem } from '../forms.ts';
import { type Web } from '../web.ts';

/**
 * FHIR tokens for health settings, for partnership administrators (issue 19, item 4): make one
 * (shown once, in the answer to the form, never in an address or a later page), list them
 * without the token, revoke one after a confirmation.
 */

const SETTING_TYPE_TEXT: Record<string, string> = {
  emergency_department: 'Emergency department', urgent_care: 'Urgent care centre', walk_in_centre: 'Walk-in centre',
  maternity: 'Maternity unit', out_of_hours_gp: 'Out-of-hours GP', ambulance: 'Ambulance service',
};

export function registerFhirTokenPages(web: Web): void {
  const { app } = web;

  const tokensPage = async (request: FastifyRequest, reply: FastifyReply, values: Record<string, string>, errors?: FormErrors, issued?: { token: string; settingName: string; expiresAt: string | null }): Promise<FastifyReply> => {
    const tokens = await listFhirTokensAs(web.ctx(request));
    const settingTypes = [{ value: '', text: 'Choose the kind of setting' }, ...HEALTH_SETTING_TYPES.map((t) => ({ value: t, text: SETTING_TYPE_TEXT[t] ?? t, selected: values.settingType === t }))];
    // Where settings reach Jigsaw: the operator's public address when set (JIGSAW_PUBLIC_URL), else this request's.
    const origin = process.env.JIGSAW_PUBLIC_URL ? setPasswordSettings().publicUrl : `${request.protocol}://${request.host}`;
    const data = { pageTitle: 'FHIR tokens for health settings', tokens, settingTypes, typeText: SETTING_TYPE_TEXT, values, issued, fhirBase: `${origin}/fhir/r4`, backLink: '/admin' };
    return errors?.any ? web.renderErrors(request, reply, 'admin/fhir-tokens.njk', errors, data) : web.render(request, reply, 'admin/fhir-tokens.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get('/admin/fhir-tokens', async (request, reply) => tokensPage(request, reply, { days: String(DEFAULT_FHIR_TOKEN_DAYS) }));

  app.post('/admin/fhir-tokens', async (request, reply) => {
    const f = formOf(request.body);
    const values = { settingName: str(f, 'settingName'), settingType: str(f, 'settingType'), odsCode: str(f, 'odsCode'), days: str(f, 'days') };
    const errors = new FormErrors();
    const map = { '/settingName': 'settingName', '/settingType': 'settingType', '/odsCode': 'odsCode', '/days': 'days' };
    const days = values.days === '' ? undefined : /^\d{1,4}$/.test(values.days) ? Number(values.days) : Number.NaN;
    const parsed = NewFhirToken.safeParse({ settingName: values.settingName, settingType: opt(f, 'settingType'), odsCode: opt(f, 'odsCode'), days });
    if (!parsed.success) {
      const problems = fieldProblems(parsed.error).map((p) => {
        if (p.pointer === '/settingType') return { ...p, detail: 'Choose the kind of setting' };
        if (p.pointer === '/days' && Number.isNaN(days)) return { ...p, detail: 'Enter how many days the token works, as a number, like 365' };
        return p;
      });
      errors.addProblems(problems, map, 'settingName');
      return tokensPage(request, reply, values, errors);
    }
    try {
      const t = await createFhirTokenAs(web.ctx(request), parsed.data);
      // Not a redirect: the token must appear in this answer only.
      return await tokensPage(request, reply, { days: String(DEFAULT_FHIR_TOKEN_DAYS) }, undefined, { token: t.token, settingName: parsed.data.settingName, expiresAt: t.expiresAt });
    } catch (err) {
      const p = validationProblem(err);
      if (!p) throw err;
      errors.addProblems(p.errors, map, 'settingName');
      return tokensPage(request, reply, values, errors);
    }
  });

  app.get<{ Params: { id: string } }>('/admin/fhir-tokens/:id/revoke', async (request, reply) => {
    const token = await getFhirTokenAs(web.ctx(request), request.params.id);
    return web.render(request, reply, 'admin/fhir-token-revoke.njk', { pageTitle: 'Revoke the FHIR token', token, typeText: SETTING_TYPE_TEXT, backLink: '/admin/fhir-tokens' });
  });

  app.post<{ Params: { id: string } }>('/admin/fhir-tokens/:id/revoke', async (request, reply) => {
    await revokeFhirTokenAs(web.ctx(request), request.params.id);
    return reply.redirect('/admin/fhir-tokens?done=fhir-token-revoked', 303);
  });
}
