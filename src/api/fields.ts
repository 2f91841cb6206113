import { z } from 'zod';
import { ROLE_NAME } from '../accounts/users.js';

/** An email address in canonical form: trimmed and lower-cased. */
export const emailField = z
  .string({ error: 'expected an email address (a string)' })
  .trim()
  .toLowerCase()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email({ error: 'not a valid email address' }));

/** A password field: a string; the policy is checked where a new password is set. */
export const passwordField = z.string({ error: 'expected a string' }).max(1024, 'is too long');

/** A token field: a string of bounded size (tokens are refused above 8 KiB anyway). */
export const tokenField = z
  .string({ error: 'expected a token (a string)' })
  .trim()
  .min(1, 'is required')
  .max(8192, 'is too long');

export const roleField = z
  .string({ error: 'expected a role name (a string)' })
  .trim()
  .regex(ROLE_NAME, 'must be 1 to 64 letters, digits or _ . : -');

export const redirectUrlField = z.string({ error: 'expected a URL (a string)' }).trim().max(2048, 'is too long');

/** A device token an earlier password login handed out (optional; also read from the device cookie). */
export const deviceTokenField = z.string({ error: 'expected a token (a string)' }).max(8192, 'is too long').optional();
