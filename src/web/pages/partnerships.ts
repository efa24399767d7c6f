import type { FastifyReply, FastifyRequest } from 'fastify';
import { addAgencyAs, createPartnershipAs, getPartnership, joinPartnership, listOwnPartnerships, renamePartnership, updateAgency } from '../../partnership/administration.ts';
import { AgencyChange, AgencyJoin, PartnershipChange } from '../../partnership/administration-schemas.ts';
import { AGENCY_TYPES, NewAgency, NewPartnership } from '../../partnership/schemas.ts';
import { z } from 'zod';
import { findPractitionerByEmail } from '../../partnership/partnership.ts';
import { changePractitioner, PractitionerChange } from '../../partnership/movers.ts';
import { fieldProblems, notFound, Problem } from '../../shared/errors.ts';
import { FormErrors, formOf, opt, str, validationProblem, type FormBody } from '../forms.ts';
import { type Web } from '../web.ts';

/**
 * Partnership administrators' pages (issue 19, item 4): their partnerships with each agency's type
 * and codes; a new partnership, a new name; a new agency with its codes, an existing agency of
 * another of their partnerships; an agency's name and codes. The services decide who may.
 */

const asWords = (c: string): string => c.replace(/_/g, ' ').replace(/^./, (x) => x.toUpperCase());
export const AGENCY_TYPE_ITEMS = AGENCY_TYPES.map((t) => ({ value: t, text: t === 'gp' ? 'GP practice' : asWords(t) }));
const NATIONS = [
  { value: 'england-and-wales', text: 'England and Wales' },
  { value: 'scotland', text: 'Scotland' },
  { value: 'northern-ireland', text: 'Northern Ireland' },
];

type Values = Record<string, unknown>;

/** The service's (or the schema's) 422 as field errors; anything else is thrown on. */
async function attempt(errors: FormErrors, map: Record<string, string>, fallback: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    const p = validationProblem(err);
    if (!p) throw err;
    errors.addProblems(p.errors, map, fallback);
  }
}

const agencyMap = { '/name': 'agencyName', '/type': 'agencyType', '/odsCode': 'odsCode', '/localAuthorityCode': 'localAuthorityCode', '/partnershipIds': 'agencyName', '/sensitive': 'sensitive' };

function agencyValues(f: FormBody): Values {
  return { agencyName: str(f, 'agencyName'), agencyType: str(f, 'agencyType'), odsCode: str(f, 'odsCode'), localAuthorityCode: str(f, 'localAuthorityCode'), sensitive: str(f, 'sensitive') === 'true' };
}

export function registerPartnershipPages(web: Web): void {
  const { app } = web;

  const listPage = async (request: FastifyRequest, reply: FastifyReply, values: Values, errors?: FormErrors): Promise<FastifyReply> => {
    const partnerships = await listOwnPartnerships(web.ctx(request));
    const data = { pageTitle: 'Partnerships', partnerships, nations: NATIONS, values, backLink: '/admin' };
    return errors?.any ? web.renderErrors(request, reply, 'admin/partnerships.njk', errors, data) : web.render(request, reply, 'admin/partnerships.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get('/admin/partnerships', async (request, reply) => listPage(request, reply, { nation: 'england-and-wales' }));

  app.post('/admin/partnerships', async (request, reply) => {
    const f = formOf(request.body);
    const values = { partnershipName: str(f, 'partnershipName'), nation: str(f, 'nation') };
    const errors = new FormErrors();
    const map = { '/name': 'partnershipName', '/nation': 'nation' };
    const parsed = NewPartnership.safeParse({ name: values.partnershipName, nation: values.nation });
    if (!parsed.success) {
      errors.addProblems(fieldProblems(parsed.error).map((p) => (p.pointer === '/nation' ? { ...p, detail: 'Choose whose bank holidays count' } : p)), map, 'partnershipName');
      return listPage(request, reply, values, errors);
    }
    let id = '';
    await attempt(errors, map, 'partnershipName', async () => {
      id = (await createPartnershipAs(web.ctx(request), parsed.data)).id;
    });
    if (errors.any) return listPage(request, reply, values, errors);
    return reply.redirect(`/admin/partnerships/${id}?done=partnership-created`, 303);
  });

  const partnershipPage = async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply, values: Values, errors?: FormErrors): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const partnership = await getPartnership(ctx, request.params.id);
    // Agencies of her other partnerships that could join this one too.
    const members = new Set(partnership.agencies.map((a) => a.id));
    const others = new Map<string, { value: string; text: string }>();
    for (const p of await listOwnPartnerships(ctx)) {
      for (const a of p.agencies) if (!members.has(a.id)) others.set(a.id, { value: a.id, text: `${a.name} (${p.name})` });
    }
    const joinable = [...others.values()].sort((a, b) => a.text.localeCompare(b.text));
    const typeItems = [{ value: '', text: 'Choose the kind of agency' }, ...AGENCY_TYPE_ITEMS.map((t) => ({ ...t, selected: values.agencyType === t.value }))];
    const joinItems = [{ value: '', text: 'Choose an agency' }, ...joinable.map((j) => ({ ...j, selected: values.agencyId === j.value }))];
    const moveItems = [{ value: '', text: 'Choose an agency' }, ...partnership.agencies.map((a) => ({ value: a.id, text: a.name, selected: values.moveAgencyId === a.id }))];
    const data = {
      pageTitle: partnership.name, partnership, values: { partnershipName: partnership.name, ...values }, typeItems, joinable, joinItems, moveItems, backLink: '/admin/partnerships',
    };
    return errors?.any ? web.renderErrors(request, reply, 'admin/partnership.njk', errors, data) : web.render(request, reply, 'admin/partnership.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get<{ Params: { id: string } }>('/admin/partnerships/:id', async (request, reply) => partnershipPage(request, reply, {}));

  app.post<{ Params: { id: string } }>('/admin/partnerships/:id/name', async (request, reply) => {
    const f = formOf(request.body);
    const values = { partnershipName: str(f, 'partnershipName') };
    const errors = new FormErrors();
    const map = { '/name': 'partnershipName' };
    const parsed = PartnershipChange.safeParse({ name: values.partnershipName });
    if (!parsed.success) errors.addProblems(fieldProblems(parsed.error), map, 'partnershipName');
    else await attempt(errors, map, 'partnershipName', async () => void (await renamePartnership(web.ctx(request), request.params.id, parsed.data)));
    if (errors.any) return partnershipPage(request, reply, values, errors);
    return reply.redirect(`/admin/partnerships/${request.params.id}?done=partnership-renamed`, 303);
  });

  app.post<{ Params: { id: string } }>('/admin/partnerships/:id/agencies', async (request, reply) => {
    const f = formOf(request.body);
    const values = agencyValues(f);
    const errors = new FormErrors();
    const parsed = NewAgency.safeParse({
      name: values.agencyName, type: opt(f, 'agencyType'), odsCode: opt(f, 'odsCode'), localAuthorityCode: opt(f, 'localAuthorityCode'), partnershipIds: [request.params.id], sensitive: values.sensitive,
    });
    if (!parsed.success) {
      errors.addProblems(fieldProblems(parsed.error).map((p) => (p.pointer === '/type' ? { ...p, detail: 'Choose what kind of agency it is' } : p)), agencyMap, 'agencyName');
    } else {
      await attempt(errors, agencyMap, 'agencyName', async () => void (await addAgencyAs(web.ctx(request), parsed.data)));
    }
    if (errors.any) return partnershipPage(request, reply, values, errors);
    return reply.redirect(`/admin/partnerships/${request.params.id}?done=agency-added`, 303);
  });

  app.post<{ Params: { id: string } }>('/admin/partnerships/:id/members', async (request, reply) => {
    const f = formOf(request.body);
    const errors = new FormErrors();
    const map = { '/agencyId': 'agencyId' };
    const parsed = AgencyJoin.safeParse({ agencyId: opt(f, 'agencyId') });
    if (!parsed.success) errors.add('agencyId', 'Choose the agency to add');
    else await attempt(errors, map, 'agencyId', async () => void (await joinPartnership(web.ctx(request), request.params.id, parsed.data)));
    if (errors.any) return partnershipPage(request, reply, { agencyId: str(f, 'agencyId') }, errors);
    return reply.redirect(`/admin/partnerships/${request.params.id}?done=agency-joined`, 303);
  });

  // A mover between agencies: only a partnership administrator, between agencies of a partnership
  // she administers (the service decides). Found by e-mail address: she need not administer the
  // agency, so she has no list of its practitioners; anyone out of reach reads as no one.
  app.post<{ Params: { id: string } }>('/admin/partnerships/:id/moves', async (request, reply) => {
    const f = formOf(request.body);
    const values = { moveEmail: str(f, 'moveEmail'), moveAgencyId: str(f, 'moveAgencyId'), moveReason: str(f, 'moveReason') };
    const errors = new FormErrors();
    const partnership = await getPartnership(web.ctx(request), request.params.id);
    const email = z.email().max(320).safeParse(values.moveEmail.trim());
    const agencyId = partnership.agencies.find((a) => a.id === values.moveAgencyId.toLowerCase())?.id;
    if (!email.success) errors.add('moveEmail', 'Enter the practitioner’s e-mail address, like name@example.org');
    if (!agencyId) errors.add('moveAgencyId', 'Choose the agency they are moving to');
    if (!values.moveReason.trim()) errors.add('moveReason', 'Say why');
    if (!errors.any && email.success && agencyId) {
      const who = await findPractitionerByEmail(web.services.db, email.data);
      const nobody = 'No practitioner of this partnership’s agencies has that e-mail address';
      if (!who) errors.add('moveEmail', nobody);
      else {
        try {
          await changePractitioner(web.ctx(request), who.id, PractitionerChange.parse({ agencyId, reason: values.moveReason }));
        } catch (err) {
          if (!(err instanceof Problem)) throw err;
          if (err.status === 422) errors.addProblems(err.errors, { '/reason': 'moveReason', '/agencyId': 'moveAgencyId' }, 'moveEmail');
          else if (err.status === 404 || err.status === 403) errors.add('moveEmail', nobody);
          else if (err.status === 409) errors.add('moveEmail', (err.detail ?? 'They cannot be moved').replace(/\.$/, ''));
          else throw err;
        }
      }
    }
    if (errors.any) return partnershipPage(request, reply, values, errors);
    return reply.redirect(`/admin/partnerships/${request.params.id}?done=practitioner-moved`, 303);
  });

  const agencyPage = async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply, values: Values | undefined, errors?: FormErrors): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const partnerships = await listOwnPartnerships(ctx);
    const agency = partnerships.flatMap((p) => p.agencies).find((a) => a.id === request.params.id);
    // Not in her partnerships: the service answers it as not found (updateAgency), and so does the page.
    if (!agency) throw notFound('agency');
    const data = {
      pageTitle: `Change ${agency.name}`, agency, values: values ?? { agencyName: agency.name, odsCode: agency.odsCode ?? '', localAuthorityCode: agency.localAuthorityCode ?? '' },
      backLink: '/admin/partnerships', isCsc: agency.type === 'childrens_social_care',
    };
    return errors?.any ? web.renderErrors(request, reply, 'admin/agency-edit.njk', errors, data) : web.render(request, reply, 'admin/agency-edit.njk', { ...data, errors: {}, errorList: [] });
  };

  app.get<{ Params: { id: string } }>('/admin/agencies/:id/edit', async (request, reply) => agencyPage(request, reply, undefined));

  app.post<{ Params: { id: string } }>('/admin/agencies/:id/edit', async (request, reply) => {
    const f = formOf(request.body);
    const values = { agencyName: str(f, 'agencyName'), odsCode: str(f, 'odsCode'), localAuthorityCode: str(f, 'localAuthorityCode') };
    const errors = new FormErrors();
    const input: Record<string, unknown> = { name: values.agencyName, odsCode: opt(f, 'odsCode') ?? null };
    // The field is on the page for children's social care only; elsewhere it is left as it is.
    if ('localAuthorityCode' in f) input.localAuthorityCode = opt(f, 'localAuthorityCode') ?? null;
    const parsed = AgencyChange.safeParse(input);
    if (!parsed.success) errors.addProblems(fieldProblems(parsed.error), agencyMap, 'agencyName');
    else await attempt(errors, agencyMap, 'agencyName', async () => void (await updateAgency(web.ctx(request), request.params.id, parsed.data)));
    if (errors.any) return agencyPage(request, reply, values, errors);
    return reply.redirect('/admin/partnerships?done=agency-updated', 303);
  });
}
