import type { ErrorCode } from '../core/errors.js';

// What a route can answer, by what it touches (see RouteSpec.errors).

/** Reads or writes users. */
export const BACKEND_ERRORS = ['backend_error', 'backend_unavailable', 'backend_timeout'] as const satisfies readonly ErrorCode[];
/** Calls the webhook (its refusals pass through as they came: RouteSpec.hookRefusals). */
export const HOOK_ERRORS = ['hook_failed', 'hook_timeout'] as const satisfies readonly ErrorCode[];
/** Mails a link or a notice to an address (limited per address). */
export const MAIL_ERRORS = [
  'invalid_redirect_url',
  'rate_limited',
  'rate_limit_unavailable',
  'mail_failed',
  'mail_unavailable',
  'mail_timeout',
] as const satisfies readonly ErrorCode[];
/** Hashes or checks a password (the hashing queue may be full; checks are backed off). */
export const PASSWORD_ERRORS = ['overloaded', 'rate_limited', 'rate_limit_unavailable'] as const satisfies readonly ErrorCode[];
/** Begins a session: a user with a second factor (or a role that needs one) is held back at the gate (MFA_ENABLED). */
export const SIGN_IN_ERRORS = ['mfa_required', 'mfa_enrollment_required'] as const satisfies readonly ErrorCode[];
