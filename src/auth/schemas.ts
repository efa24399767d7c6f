import { z } from 'zod';
import { Text } from '../shared/schemas.ts';

/** Signing in, by the API (POST /session) and by the sign-in page alike. */
export const SignIn = z
  .strictObject({ email: Text.trim().min(1, 'Enter your e-mail address').max(320), password: z.string().min(1, 'Enter your password').max(200) })
  .meta({ id: 'SignIn' });
export type SignIn = z.output<typeof SignIn>;
