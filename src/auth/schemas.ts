import { z } from 'zod';
import { Text } from '../shared/schemas.ts';

/** Signing in, by the API (POST /session) and by the sign-in page alike. */
export const SignIn = z
  .strictObject({
    email: Text.trim().min(1, 'Enter your e-mail address').max(320),
    password: z.string().min(1, 'Enter your password').max(200),
    code: z.string().trim().regex(/^\d{3}[ -]?\d{3}$/, 'Enter the 6-digit code from your authenticator app').optional()
      .describe('The 6-digit code from the authenticator app, for a practitioner who has set up two-factor authentication.'),
    recoveryCode: Text.trim().min(1).max(40).optional()
      .describe('Instead of `code`: one of the practitioner\'s recovery codes (each works once).'),
  })
  .refine((v) => !(v.code && v.recoveryCode), { message: 'Give a code or a recovery code, not both', path: ['recoveryCode'] })
  .meta({ id: 'SignIn' });
export type SignIn = z.output<typeof SignIn>;
