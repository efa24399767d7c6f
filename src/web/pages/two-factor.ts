import type { FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { keyInGroups, totpUri } from '../../auth/two-factor/totp.ts';
import {
  confirmSetUp, listPartnershipTwoFactor, practitionerTwoFactor, regenerateRecoveryCodes, resetTwoFactor, setPartnershipTwoFactor, startSetUp, turnOff, twoFactorStatus,
} from '../../auth/two-factor/two-factor.ts';
import { sourceAddress } from '../../http/rate-limits.ts';
import { Problem } from '../../shared/errors.ts';
import { Uuid } from '../../shared/schemas.ts';
import { FormErrors, formOf, str } from '../forms.ts';
import type { Web } from '../web.ts';
import { registerTwoFactorSignInPages } from './two-factor-sign-in.ts';

/**
 * Two-factor authentication on the pages: the practitioner's own (/account/two-factor: set up with
 * a QR code or the key as text, recovery codes shown once, new codes, turn off), an administrator's
 * reset of a practitioner's (/admin/practitioners/{id}/two-factor), and a partnership's requirement
 * (/admin/two-factor, for partnership administrators). The sign-in step is two-factor-sign-in.ts.
 */

/** Banners after a redirect (`?done=`), codes only, as in web.ts. */
const BANNERS: Record<string, string> = {
  'two-factor-on': 'Two-factor authentication is on. From now on you will be asked for a code when you sign in.',
  'two-factor-off': 'Two-factor authentication is off.',
  'two-factor-reset': 'Two-factor authentication has been reset and the practitioner has been signed out everywhere. They will set it up again when they next sign in.',
  'two-factor-requirement-saved': 'The partnership’s requirement has been saved.',
};

const banner = (request: FastifyRequest): string | undefined => {
  const done = (request.query as Record<string, unknown> | undefined)?.done;
  return typeof done === 'string' ? BANNERS[done] : undefined;
};

/** The QR code as inline SVG (the CSP allows no data: images), with an accessible name. */
async function qrSvg(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
  return svg.replace('<svg ', '<svg role="img" aria-label="QR code to scan with your authenticator app" width="200" height="200" class="jigsaw-qr" focusable="false" ');
}

const ACCOUNT = '/account/two-factor';

export function registerTwoFactorPages(web: Web): void {
  const { app, opts } = web;
  registerTwoFactorSignInPages(web);
  // A session that still owes a second factor may use these (src/auth/two-factor/enforce.ts).
  const setUp = { config: { withoutSecondFactor: true } };

  const accountPage = async (request: FastifyRequest, reply: FastifyReply, errors?: FormErrors, form?: 'set-up' | 'recovery-codes' | 'turn-off') => {
    const ctx = web.ctx(request);
    const status = await twoFactorStatus(ctx, ctx.actor.practitionerId, opts.auth.twoFactor);
    let setUpView: Record<string, unknown> | undefined;
    if (!status.enrolledAt) {
      const { key, email } = await startSetUp(ctx);
      setUpView = { qr: await qrSvg(totpUri(key, email)), key: keyInGroups(key) };
    }
    const data = {
      pageTitle: 'Two-factor authentication', status, setUp: setUpView, owed: request.secondFactorOwed === true, form,
      partnershipAdministrator: ctx.actor.roles.includes('partnership_administrator'), successBanner: banner(request),
    };
    return errors ? web.renderErrors(request, reply, 'two-factor/account.njk', errors, data) : web.render(request, reply, 'two-factor/account.njk', data);
  };

  const showCodes = (request: FastifyRequest, reply: FastifyReply, codes: string[], first: boolean) =>
    web.render(request, reply, 'two-factor/recovery-codes.njk', { pageTitle: 'Save your recovery codes', codes, first });

  /** Runs a step that needs a code; a wrong or missing one comes back on the account page against the form's field. */
  const withCode = async (request: FastifyRequest, reply: FastifyReply, form: 'set-up' | 'recovery-codes' | 'turn-off', step: (code: string) => Promise<FastifyReply>) => {
    const code = str(formOf(request.body), 'code');
    const errors = new FormErrors();
    if (!code) errors.add(`${form}-code`, 'Enter the 6-digit code from your authenticator app');
    else {
      try {
        return await step(code);
      } catch (err) {
        if (!(err instanceof Problem) || err.status !== 422) throw err;
        errors.add(`${form}-code`, err.errors[0]?.detail ?? 'The code is not right');
      }
    }
    return accountPage(request, reply, errors, form);
  };

  app.get(ACCOUNT, setUp, (request, reply) => accountPage(request, reply));

  app.post(`${ACCOUNT}/set-up`, setUp, (request, reply) => withCode(request, reply, 'set-up', async (code) =>
    showCodes(request, reply, await confirmSetUp(web.ctx(request), code, request.cookies[opts.sessionCookie]), true)));

  app.post(`${ACCOUNT}/recovery-codes`, setUp, (request, reply) => withCode(request, reply, 'recovery-codes', async (code) =>
    showCodes(request, reply, await regenerateRecoveryCodes(web.ctx(request), code, { settings: opts.auth, address: sourceAddress(request) }), false)));

  app.post(`${ACCOUNT}/turn-off`, setUp, (request, reply) => withCode(request, reply, 'turn-off', async (code) => {
    await turnOff(web.ctx(request), code, opts.auth.twoFactor, { settings: opts.auth, address: sourceAddress(request) });
    return reply.redirect(`${ACCOUNT}?done=two-factor-off`, 303);
  }));

  // An administrator of the practitioner's agency: their state, and the reset (the people pages link here).
  type IdParams = { Params: { id: string } };
  const adminPage = async (request: FastifyRequest<IdParams>, reply: FastifyReply, errors?: FormErrors) => {
    const state = await practitionerTwoFactor(web.ctx(request), request.params.id);
    const data = { pageTitle: 'Two-factor authentication', who: state, backLink: `/admin/practitioners/${state.practitionerId}`, successBanner: banner(request) };
    return errors ? web.renderErrors(request, reply, 'two-factor/admin-practitioner.njk', errors, data) : web.render(request, reply, 'two-factor/admin-practitioner.njk', data);
  };
  app.get<IdParams>('/admin/practitioners/:id/two-factor', adminPage);
  app.post<IdParams>('/admin/practitioners/:id/two-factor', async (request, reply) => {
    const reason = str(formOf(request.body), 'reason');
    const errors = new FormErrors();
    if (!reason) errors.add('reason', 'Enter why you are resetting their two-factor authentication');
    else if (reason.length > 500) errors.add('reason', 'The reason must be 500 characters or fewer');
    if (errors.any) return adminPage(request, reply, errors);
    await resetTwoFactor(web.ctx(request), request.params.id, reason);
    return reply.redirect(`/admin/practitioners/${request.params.id}/two-factor?done=two-factor-reset`, 303);
  });

  // A partnership administrator: whether everyone in each of their partnerships must use it.
  app.get('/admin/two-factor', async (request, reply) => web.render(request, reply, 'two-factor/admin-partnership.njk', {
    pageTitle: 'Two-factor authentication in your partnerships', partnerships: await listPartnershipTwoFactor(web.ctx(request)), successBanner: banner(request),
  }));
  app.post<{ Params: { partnershipId: string } }>('/admin/two-factor/:partnershipId', async (request, reply) => {
    const id = Uuid.safeParse(request.params.partnershipId);
    const value = str(formOf(request.body), 'required');
    if (!id.success || !['yes', 'no'].includes(value)) {
      return web.render(request, reply, 'error.njk', { title: 'There is a problem', body: 'Go back and choose yes or no.' }, 422);
    }
    await setPartnershipTwoFactor(web.ctx(request), id.data, value === 'yes');
    return reply.redirect('/admin/two-factor?done=two-factor-requirement-saved', 303);
  });
}
