import { z } from 'zod';
import { createProvider, getManagedProvider, listManagedProviders, setProviderEnabled, updateProvider } from '../../single-sign-on/providers.ts';
import { IdentityProvider, IdentityProviderSettings, NewIdentityProvider } from '../../single-sign-on/schemas.ts';
import { IdParams, type Api } from '../route.ts';

const WHO = 'An agency\'s administrator manages its own agency\'s providers; a partnership administrator those of the partnerships their agency belongs to. '
  + 'Anyone else\'s provider, and the one configured by environment (JIGSAW_OIDC_*), is answered 404. The client secret is write-only: it is never returned (`hasClientSecret` says whether one is kept).';

/** Single sign-on's identity providers (issue 19), for administrators; the same rules as the pages at /admin/identity-providers. */
export function registerIdentityProviderRoutes(api: Api): void {
  const view = (p: IdentityProvider): IdentityProvider => IdentityProvider.parse(p);
  api.route({
    method: 'GET', url: '/identity-providers', tag: 'Partnership', operationId: 'listIdentityProviders',
    summary: 'List the identity providers you manage',
    description: `OpenID Connect providers whose accounts may sign in your agency's (or partnership's) registered practitioners, enabled or not. ${WHO} 404 for someone who manages none.`,
    response: z.array(IdentityProvider),
    handler: async ({ ctx }) => (await listManagedProviders(ctx)).map(view),
  });
  api.route({
    method: 'POST', url: '/identity-providers', tag: 'Partnership', operationId: 'createIdentityProvider', status: 201,
    summary: 'Add an identity provider',
    description: `Exactly one of \`agencyId\` and \`partnershipId\` says whose practitioners it may sign in (422 otherwise). Nobody is ever created by signing in. The redirect URI to register at the provider is {JIGSAW_PUBLIC_URL}/sign-in/sso/callback. ${WHO}`,
    body: NewIdentityProvider, response: IdentityProvider,
    handler: async ({ ctx, body }) => view(await createProvider(ctx, body)),
  });
  api.route({
    method: 'GET', url: '/identity-providers/{id}', tag: 'Partnership', operationId: 'getIdentityProvider',
    summary: 'Read an identity provider\'s settings', description: WHO,
    params: IdParams, response: IdentityProvider,
    handler: async ({ ctx, params }) => view(await getManagedProvider(ctx, params.id)),
  });
  api.route({
    method: 'PUT', url: '/identity-providers/{id}', tag: 'Partnership', operationId: 'updateIdentityProvider',
    summary: 'Change an identity provider\'s settings',
    description: `All settings are replaced, except the client secret: absent or empty keeps the stored one. Every change is audited (never the secret). ${WHO}`,
    params: IdParams, body: IdentityProviderSettings, response: IdentityProvider,
    handler: async ({ ctx, params, body }) => view(await updateProvider(ctx, params.id, body)),
  });
  api.route({
    method: 'POST', url: '/identity-providers/{id}/disable', tag: 'Partnership', operationId: 'disableIdentityProvider', status: 200,
    summary: 'Switch an identity provider off',
    description: `Its sign-in button goes and sign-ins through it are refused at once; sessions already open are not ended (deactivate a leaver for that). ${WHO}`,
    params: IdParams, response: IdentityProvider,
    handler: async ({ ctx, params }) => view(await setProviderEnabled(ctx, params.id, false)),
  });
  api.route({
    method: 'POST', url: '/identity-providers/{id}/enable', tag: 'Partnership', operationId: 'enableIdentityProvider', status: 200,
    summary: 'Switch an identity provider on again', description: WHO,
    params: IdParams, response: IdentityProvider,
    handler: async ({ ctx, params }) => view(await setProviderEnabled(ctx, params.id, true)),
  });
}
