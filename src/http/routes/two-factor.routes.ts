import { z } from 'zod';
import { listPartnershipTwoFactor, practitionerTwoFactor, resetTwoFactor, setPartnershipTwoFactor } from '../../auth/two-factor/two-factor.ts';
import { Text } from '../../shared/schemas.ts';
import { IdParams, type Api } from '../route.ts';

const PractitionerTwoFactor = z.object({
  practitionerId: z.uuid(),
  enrolledAt: z.string().nullable().describe('When they set up two-factor authentication; null when they have not.'),
  recoveryCodesLeft: z.number().int(),
}).meta({ id: 'PractitionerTwoFactor' });

const TwoFactorReset = z.strictObject({
  reason: Text.trim().min(1, 'Say why you are resetting it').max(500),
}).meta({ id: 'TwoFactorReset' });

const PartnershipTwoFactor = z.object({
  partnershipId: z.uuid(),
  name: z.string(),
  requireTwoFactor: z.boolean().describe('Everyone in the partnership\'s agencies who signs in with a password must use two-factor authentication.'),
  practitioners: z.number().int().describe('Active practitioners in its agencies.'),
  enrolled: z.number().int().describe('How many of them have set up two-factor authentication.'),
}).meta({ id: 'PartnershipTwoFactor' });

const PartnershipTwoFactorSetting = z.strictObject({ requireTwoFactor: z.boolean() }).meta({ id: 'PartnershipTwoFactorSetting' });

/** Administrators' side of two-factor authentication: a practitioner's state and reset, a partnership's requirement. */
export function registerTwoFactorRoutes(api: Api): void {
  api.route({
    method: 'GET', url: '/practitioners/{id}/two-factor', tag: 'Sign-in', operationId: 'getPractitionerTwoFactor',
    summary: "A practitioner's two-factor authentication",
    description: 'An administrator of the practitioner\'s agency sees whether they have set up two-factor authentication and how many recovery codes they have left. Anyone else, and any practitioner of another agency: 404.',
    params: IdParams, response: PractitionerTwoFactor,
    handler: async ({ ctx, params }) => {
      const s = await practitionerTwoFactor(ctx, params.id);
      return { practitionerId: s.practitionerId, enrolledAt: s.enrolledAt, recoveryCodesLeft: s.recoveryCodesLeft };
    },
  });
  api.route({
    method: 'DELETE', url: '/practitioners/{id}/two-factor', tag: 'Sign-in', operationId: 'resetPractitionerTwoFactor', status: 200,
    summary: "Reset a practitioner's two-factor authentication",
    description: 'An administrator of the practitioner\'s agency removes their authenticator key and recovery codes (a lost phone) and ends all their sessions at once; they set it up again when they next sign in. Say why (`reason`; audited as given or not, never its words). Anyone else, and any practitioner of another agency: 404.',
    params: IdParams, body: TwoFactorReset,
    response: z.object({ hadSecondFactor: z.boolean(), sessionsEnded: z.number().int() }),
    handler: ({ ctx, params, body }) => resetTwoFactor(ctx, params.id, body.reason),
  });
  api.route({
    method: 'GET', url: '/partnerships/two-factor', tag: 'Partnership', operationId: 'listPartnershipTwoFactor',
    summary: "Partnerships' two-factor requirement",
    description: 'A partnership administrator sees, for each partnership their agency belongs to, whether everyone must use two-factor authentication and how many have set it up. Anyone else: 404.',
    response: z.array(PartnershipTwoFactor),
    handler: ({ ctx }) => listPartnershipTwoFactor(ctx),
  });
  api.route({
    method: 'PUT', url: '/partnerships/{id}/two-factor', tag: 'Partnership', operationId: 'setPartnershipTwoFactor', status: 200,
    summary: "Set a partnership's two-factor requirement",
    description: 'A partnership administrator of an agency in the partnership decides whether everyone in its agencies who signs in with a password must use two-factor authentication (administrators, auditors and partnership administrators always must). Anyone else, and another partnership: 404.',
    params: IdParams, body: PartnershipTwoFactorSetting, response: PartnershipTwoFactor,
    handler: ({ ctx, params, body }) => setPartnershipTwoFactor(ctx, params.id, body.requireTwoFactor),
  });
}
