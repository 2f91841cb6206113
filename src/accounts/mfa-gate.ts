import type { MfaRecord, StoredUser } from '../backends/types.js';
import { AppError } from '../core/errors.js';
import type { Mfa } from '../mfa/types.js';
import { holdsAny } from './roles.js';
import type { AccountServices } from './services.js';

/** The `amr` values a second factor adds: a TOTP app's code (RFC 8176 `otp`) or a recovery code (ours), then `mfa`. */
export const FACTOR_AMR = { totp: 'otp', recovery_code: 'recovery' } as const;
export type Method = keyof typeof FACTOR_AMR;
export const SECOND_FACTOR_AMR: readonly string[] = [...Object.values(FACTOR_AMR), 'mfa'];

export function mfaOf(services: Pick<AccountServices, 'mfa'>): Mfa {
  if (!services.mfa) throw new AppError('not_found', 'Second factors are not enabled here (MFA_ENABLED)');
  return services.mfa;
}

/** The user's record when a second factor is set up (confirmed). */
export async function confirmedFactor(mfa: Mfa, user: Pick<StoredUser, 'id' | 'tenant_id'>): Promise<MfaRecord | null> {
  const record = await mfa.store.read(user.id, user.tenant_id);
  return record !== null && record.totpConfirmedAt !== null && record.totpSecret !== null ? record : null;
}

/**
 * The gate in front of every session (sign-in.ts): a user with a second factor gets, instead of
 * tokens, `403 mfa_required` with an mfa token for POST /mfa/verify; a user whose role needs one
 * (MFA_REQUIRED_ROLES) and has none, `403 mfa_enrollment_required` with an enrolment token.
 */
export async function secondFactorGate(
  services: Pick<AccountServices, 'mfa' | 'tokens' | 'backend' | 'config'>,
  user: StoredUser,
  amr: readonly string[],
  /** The operator's data, read once for the whole sign-in. */
  data: Record<string, unknown> | null,
): Promise<void> {
  const { mfa } = services;
  if (!mfa) return;
  if (await confirmedFactor(mfa, user)) {
    throw new AppError('mfa_required', 'A second factor is required: send mfa_token with a code from your authenticator app (or a recovery code) to POST /mfa/verify', {
      fields: { mfa_token: await services.tokens.mfa.sign('mfa', user, amr), methods: Object.keys(FACTOR_AMR) },
    });
  }
  // Any of the user's roles (several, from the operator's data) that needs a second factor.
  if (await holdsAny(services, user, mfa.settings.requiredRoles, data)) {
    throw new AppError('mfa_enrollment_required', 'Your role requires a second factor: set one up with enrollment_token (POST /mfa/totp/enroll, then POST /mfa/totp/confirm)', {
      fields: { enrollment_token: await services.tokens.mfa.sign('enroll', user, amr) },
    });
  }
}

