import type { FastifyReply, FastifyRequest } from 'fastify';
import { listLinkedIdentities, unlinkIdentity } from '../../single-sign-on/identities.ts';
import { callbackUrl, createProvider, getManagedProvider, listManagedProviders, ownerChoices, setProviderEnabled, singleSignOnSettings, updateProvider } from '../../single-sign-on/providers.ts';
import { IdentityProviderSettings, NewIdentityProvider, type IdentityProvider } from '../../single-sign-on/schemas.ts';
import { fieldProblems, notFound } from '../../shared/errors.ts';
import { FormErrors, formOf, list, str, type FormBody } from '../forms.ts';
import type { Web } from '../web.ts';

type Values = Record<string, unknown>;

const FIELDS = { '/name': 'name', '/issuer': 'issuer', '/clientId': 'clientId', '/clientSecret': 'clientSecret', '/scopes': 'scopes', '/emailClaim': 'emailClaim', '/mfaAcrValues': 'mfaAcrValues', '/agencyId': 'owner', '/partnershipId': 'owner' };

/** A provider's form as the service takes it; the secret is taken as typed (blank: keep the stored one). */
function settingsFrom(f: FormBody): Values {
  const options = list(f, 'options');
  const claim = str(f, 'emailClaim');
  return {
    name: str(f, 'name'), issuer: str(f, 'issuer'), clientId: str(f, 'clientId'),
    clientSecret: typeof f.clientSecret === 'string' && f.clientSecret !== '' ? f.clientSecret : undefined,
    scopes: str(f, 'scopes') || undefined, emailClaim: claim === '' ? null : claim,
    emailMustBeVerified: options.includes('emailMustBeVerified'), requireMfa: options.includes('requireMfa'),
    mfaAcrValues: str(f, 'mfaAcrValues').split(/[\s,]+/).filter(Boolean),
  };
}

/** The form's values, to show again: never the secret. */
function formValues(f: FormBody): Values {
  return { owner: str(f, 'owner'), name: str(f, 'name'), issuer: str(f, 'issuer'), clientId: str(f, 'clientId'), scopes: str(f, 'scopes'), emailClaim: str(f, 'emailClaim'), options: list(f, 'options'), mfaAcrValues: str(f, 'mfaAcrValues') };
}

function valuesOf(p: IdentityProvider): Values {
  return {
    name: p.name, issuer: p.issuer, clientId: p.clientId, scopes: p.scopes, emailClaim: p.emailClaim ?? '', mfaAcrValues: p.mfaAcrValues.join(' '),
    options: [...(p.emailMustBeVerified ? ['emailMustBeVerified'] : []), ...(p.requireMfa ? ['requireMfa'] : [])],
  };
}

/**
 * The administrators' pages for single sign-on: an agency's administrator manages the agency's
 * identity provider, a partnership administrator a partnership-wide one. The client secret is
 * write-only. The environment's provider (JIGSAW_OIDC_*) is the operator's and is not shown here.
 */
export function registerIdentityProviderPages(web: Web, settings = singleSignOnSettings()): void {
  const { app } = web;
  const redirectUri = callbackUrl(settings);

  const formPage = async (request: FastifyRequest, reply: FastifyReply, data: { provider?: IdentityProvider; values: Values; errors?: FormErrors }): Promise<FastifyReply> => {
    const ctx = web.ctx(request);
    const choices = data.provider ? [] : await ownerChoices(ctx);
    // Someone who may add no provider (neither kind of administrator) finds no such page.
    if (!data.provider && !choices.length) throw notFound('page');
    const owners = choices.map((o) => ({ value: `${o.kind}:${o.id}`, text: o.kind === 'agency' ? `${o.name} (your agency)` : `${o.name} (every agency in the partnership)` }));
    const view = {
      pageTitle: data.provider ? 'Change identity provider' : 'Add an identity provider', provider: data.provider, owners, values: data.values, redirectUri,
      backLink: '/admin/identity-providers',
    };
    return data.errors?.any
      ? web.renderErrors(request, reply, 'admin/identity-provider-form.njk', data.errors, view)
      : web.render(request, reply, 'admin/identity-provider-form.njk', { ...view, errors: {}, errorList: [] });
  };

  app.get('/admin/identity-providers', async (request, reply) => {
    const providers = await listManagedProviders(web.ctx(request));
    const q = request.query as { done?: string };
    const banner = q.done === 'added' ? 'The identity provider has been added.' : q.done === 'changed' ? 'The identity provider has been changed.' : q.done === 'disabled' ? 'The identity provider has been switched off. Nobody can sign in with it now.' : q.done === 'enabled' ? 'The identity provider has been switched on.' : undefined;
    return web.render(request, reply, 'admin/identity-providers.njk', { pageTitle: 'Single sign-on', providers, redirectUri, backLink: '/admin', successBanner: banner });
  });

  app.get('/admin/identity-providers/new', async (request, reply) => {
    const owners = await ownerChoices(web.ctx(request));
    const first = owners[0];
    return formPage(request, reply, { values: { owner: first && owners.length === 1 ? `${first.kind}:${first.id}` : '', scopes: 'openid email profile', emailClaim: 'email', options: ['emailMustBeVerified'] } });
  });

  app.post('/admin/identity-providers', async (request, reply) => {
    const f = formOf(request.body);
    const [kind, ownerId] = str(f, 'owner').split(':');
    const errors = new FormErrors();
    const parsed = NewIdentityProvider.safeParse({ ...settingsFrom(f), ...(kind === 'agency' ? { agencyId: ownerId } : kind === 'partnership' ? { partnershipId: ownerId } : {}) });
    if (!parsed.success) errors.addProblems(fieldProblems(parsed.error), FIELDS, 'name');
    else {
      await createProvider(web.ctx(request), parsed.data);
      return reply.redirect('/admin/identity-providers?done=added', 303);
    }
    return formPage(request, reply, { values: formValues(f), errors });
  });

  app.get<{ Params: { id: string } }>('/admin/identity-providers/:id', async (request, reply) => {
    const provider = await getManagedProvider(web.ctx(request), request.params.id);
    return formPage(request, reply, { provider, values: valuesOf(provider) });
  });

  app.post<{ Params: { id: string } }>('/admin/identity-providers/:id', async (request, reply) => {
    const ctx = web.ctx(request);
    const provider = await getManagedProvider(ctx, request.params.id);
    const f = formOf(request.body);
    const errors = new FormErrors();
    const parsed = IdentityProviderSettings.safeParse(settingsFrom(f));
    if (!parsed.success) errors.addProblems(fieldProblems(parsed.error), FIELDS, 'name');
    else {
      await updateProvider(ctx, provider.id, parsed.data);
      return reply.redirect('/admin/identity-providers?done=changed', 303);
    }
    return formPage(request, reply, { provider, values: formValues(f), errors });
  });

  app.post<{ Params: { id: string } }>('/admin/identity-providers/:id/disable', async (request, reply) => {
    await setProviderEnabled(web.ctx(request), request.params.id, false);
    return reply.redirect('/admin/identity-providers?done=disabled', 303);
  });

  app.post<{ Params: { id: string } }>('/admin/identity-providers/:id/enable', async (request, reply) => {
    await setProviderEnabled(web.ctx(request), request.params.id, true);
    return reply.redirect('/admin/identity-providers?done=enabled', 303);
  });

  // A practitioner's accounts at the identity providers, for their agency's administrator.
  app.get<{ Params: { id: string } }>('/admin/practitioners/:id/identities', async (request, reply) => {
    const { name, identities } = await listLinkedIdentities(web.ctx(request), request.params.id);
    const done = (request.query as { done?: string }).done === 'unlinked' ? 'The account has been unlinked. It no longer signs this practitioner in.' : undefined;
    return web.render(request, reply, 'admin/practitioner-identities.njk', {
      pageTitle: 'Single sign-on accounts', practitionerId: request.params.id, name, identities, backLink: '/admin/practitioners', successBanner: done,
    });
  });

  app.post<{ Params: { id: string } }>('/admin/practitioners/:id/identities/unlink', async (request, reply) => {
    const f = formOf(request.body);
    const providerId = str(f, 'providerId').toLowerCase();
    const subject = typeof f.subject === 'string' ? f.subject : '';
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(providerId) || !subject || subject.length > 1000 || subject.includes('\0')) {
      return web.render(request, reply, 'error.njk', { title: 'There is a problem', body: 'The account to unlink was not given. Go back and try again.' }, 422);
    }
    await unlinkIdentity(web.ctx(request), request.params.id, providerId, subject);
    return reply.redirect(`/admin/practitioners/${request.params.id}/identities?done=unlinked`, 303);
  });
}
