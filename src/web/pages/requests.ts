import type { FastifyReply, FastifyRequest } from 'fastify';
import { listAgencies } from '../../partnership/partnership.ts';
import { getPerson, searchPeople } from '../../people/people.ts';
import { fieldProblems } from '../../shared/errors.ts';
import { PURPOSE_LABELS } from '../../sharing/purposes.ts';
import { answerRequest, getRequest, InformationRequestAnswer, listIncomingRequests, listOutgoingRequests, NewInformationRequest, sendInformationRequest } from '../../sharing/requests.ts';
import { FormErrors, formOf, opt, str, validationProblem, yesNo } from '../forms.ts';
import { personName } from '../view.ts';
import { safely, type Web } from '../web.ts';
import { LABELS } from './share-model.ts';

type IdParams = { id: string };

/** Requests for information: send one, the incoming queue, answer either way. */
export function registerRequestPages(web: Web): void {
  const { app } = web;

  const renderNew = async (request: FastifyRequest, reply: FastifyReply, personId: string, values: Record<string, unknown>, errors?: FormErrors): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const person = await getPerson(ctx, personId);
    const agencies = (await listAgencies(ctx)).filter((a) => a.id !== ctx.actor.agencyId).map((a) => ({ value: a.id, text: a.name, selected: a.id === values.toAgencyId }));
    const data = { pageTitle: 'Ask another agency for information', person, name: personName(person), agencies: [{ value: '', text: 'Choose an agency' }, ...agencies], labels: LABELS, values, backLink: `/people/${personId}` };
    return errors?.any ? web.renderErrors(request, reply, 'requests/new.njk', errors, data) : web.render(request, reply, 'requests/new.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get<{ Params: IdParams }>('/people/:id/requests/new', async (request, reply) => renderNew(request, reply, request.params.id, { urgent: 'no' }));

  app.post<{ Params: IdParams }>('/people/:id/requests/new', async (request, reply) => {
    const f = formOf(request.body);
    const errors = new FormErrors();
    const parsed = NewInformationRequest.safeParse({ personId: request.params.id, toAgencyId: opt(f, 'toAgencyId'), purposeCode: opt(f, 'purposeCode'), purpose: opt(f, 'purpose'), urgent: yesNo(f, 'urgent') ?? false });
    const map = { '/toAgencyId': 'toAgencyId', '/purposeCode': 'purposeCode', '/purpose': 'purpose', '/urgent': 'urgent' };
    if (!parsed.success) errors.addProblems(fieldProblems(parsed.error), map, 'purpose');
    if (!errors.any && parsed.success) {
      try {
        const r = await sendInformationRequest(web.ctx(request), parsed.data);
        return reply.redirect(`/requests/${r.id}?done=request-sent`, 303);
      } catch (err) {
        const p = validationProblem(err);
        if (!p) throw err;
        errors.addProblems(p.errors, map, 'toAgencyId');
      }
    }
    return renderNew(request, reply, request.params.id, f, errors);
  });

  app.get('/requests', async (request, reply) => {
    const ctx = web.ctx(request);
    const incoming = await safely(() => listIncomingRequests(ctx));
    const outgoing = await safely(() => listOutgoingRequests(ctx));
    return web.render(request, reply, 'requests/list.njk', { pageTitle: 'Requests for information', incoming, outgoing, purposes: PURPOSE_LABELS });
  });

  const requestPage = async (request: FastifyRequest, reply: FastifyReply, id: string, errors?: FormErrors, values: Record<string, unknown> = {}): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const req = await getRequest(ctx, id);
    // The agency asked finds the person in its own index to decide whether to share.
    let matches: { id: string; name: string; dateOfBirth: string | null }[] = [];
    if (req.direction === 'incoming' && req.status === 'open') {
      const s = req.subjectDescription;
      const n = s.names.find((x) => x.use === 'usual') ?? s.names[0];
      const found = s.nhsNumber ? await safely(() => searchPeople(ctx, { nhsNumber: s.nhsNumber! }))
        : n ? await safely(() => searchPeople(ctx, { name: `${n.givenNames} ${n.familyName}`.trim(), ...(s.dateOfBirth ? { dateOfBirth: s.dateOfBirth } : {}) })) : [];
      matches = (found ?? []).map((p) => ({ id: p.id, name: personName(p), dateOfBirth: p.dateOfBirth }));
    }
    const data = { pageTitle: 'A request for information', req, subjectName: personName(req.subjectDescription), purposeLabel: PURPOSE_LABELS[req.purposeCode], matches, values, backLink: '/requests' };
    return errors?.any ? web.renderErrors(request, reply, 'requests/request.njk', errors, data) : web.render(request, reply, 'requests/request.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get<{ Params: IdParams }>('/requests/:id', async (request, reply) => requestPage(request, reply, request.params.id));

  app.post<{ Params: IdParams }>('/requests/:id/answer', async (request, reply) => {
    const f = formOf(request.body);
    const values = { outcome: opt(f, 'outcome'), reason: str(f, 'reason') };
    const errors = new FormErrors();
    if (!values.outcome) errors.add('outcome', 'Choose your answer');
    const parsed = InformationRequestAnswer.safeParse(values);
    if (!errors.any && !parsed.success) errors.addProblems(fieldProblems(parsed.error), { '/outcome': 'outcome', '/reason': 'reason' }, 'reason');
    if (!errors.any && parsed.success) {
      await answerRequest(web.ctx(request), request.params.id, parsed.data);
      return reply.redirect(`/requests/${request.params.id}?done=request-answered`, 303);
    }
    return requestPage(request, reply, request.params.id, errors, values);
  });
}
