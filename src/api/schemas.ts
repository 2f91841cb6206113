import { z } from 'zod';
import { ERROR_STATUS } from '../core/errors.js';

/** The shapes of the answers, for the API description. */
export const userSchema = z.object({
  id: z.union([z.number().int(), z.string()]),
  email: z.string(),
  role: z.string(),
  tenant_id: z.string().nullable(),
  verified_at: z.string().nullable(),
  hook_data: z.record(z.string(), z.unknown()).optional(),
});

/** Without `json` in TOKEN_DELIVERY the tokens travel in cookies / X-Auth-Token instead. */
export const tokensSchema = z.object({
  access_token: z.string().optional(),
  refresh_token: z.string().optional(),
  device_token: z
    .string()
    .optional()
    .meta({ description: 'After a password login: send it back as `device_token` to sign in while the account is past LOGIN_ACCOUNT_MAX_FAILURES' }),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int(),
});

export const errorSchema = z.object({
  error: z.enum(Object.keys(ERROR_STATUS) as [string, ...string[]]),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional().meta({ description: '`validation_failed`: each refused field and why' }),
  error_description: z.string().optional().meta({ description: '`invalid_token`: why the token was refused (RFC 6750)' }),
  mfa_token: z.string().optional().meta({ description: '`mfa_required`: send it to /mfa/verify with a code' }),
  methods: z.array(z.string()).optional().meta({ description: '`mfa_required`: the second factors the user can use' }),
  enrollment_token: z.string().optional().meta({ description: '`mfa_enrollment_required`: the bearer token for /mfa/totp/enroll and /mfa/totp/confirm' }),
});

export const emptySchema = z.object({});
