import type { MfaRecord, StoredUser } from '../backends/types.js';
import { AppError } from '../core/errors.js';
import type { RequestScope } from '../core/request.js';
import { newRecoveryCodes, newTotpSecret, totpEnrolment } from '../mfa/totp.js';
import type { AccessClaims } from '../tokens/access-token.js';
import type { PendingSignIn } from '../tokens/mfa-token.js';
import type { IssuedTokens } from '../tokens/tokens.js';
import { notImpersonating } from './change-email.js';
import { confirmedFactor, mfaOf } from './mfa-gate.js';
import { requireStepUp, type SecondFactorInput, sessionAfterSecondFactor, useSecondFactor } from './second-factor.js';
import type { AccountServices } from './services.js';
import { timestamp, userFromToken } from './users.js';

type EnrolServices = Pick<AccountServices, 'mfa' | 'spentLinks' | 'clock' | 'audit' | 'metrics' | 'tokens' | 'backend' | 'extensions' | 'hooks' | 'config'>;

/** Who sets up a second factor: a signed-in user (access token), or a sign-in held back until they do (enrolment token). */
export type Enrolling = { readonly claims: AccessClaims } | { readonly pending: PendingSignIn };

async function enrollingUser(services: EnrolServices, who: Enrolling): Promise<StoredUser> {
  if ('claims' in who) {
    notImpersonating(who.claims);
    return userFromToken(services, who.claims.sub, who.claims.tid ?? null);
  }
  const user = await services.backend.findById(who.pending.userId, who.pending.tenantId);
  if (!user || !services.tokens.mfa.stillValid(user, who.pending)) throw new AppError('invalid_token', 'This sign-in is no longer valid (the account changed): sign in again');
  return user;
}

/**
 * POST /mfa/totp/enroll: a new TOTP secret, kept sealed and pending until a code from it is
 * confirmed; a pending one is replaced. A user whose second factor is set up must disable it first.
 */
export async function enrollTotp(services: EnrolServices, who: Enrolling): Promise<{ secret: string; uri: string; qr_svg: string }> {
  const mfa = mfaOf(services);
  const user = await enrollingUser(services, who);
  const record = await mfa.store.read(user.id, user.tenant_id);
  if (record?.totpConfirmedAt) throw new AppError('conflict', 'A second factor is set up already: disable it first (POST /mfa/totp/disable)');
  const secret = newTotpSecret();
  const next: MfaRecord = {
    userId: String(user.id),
    tenantId: user.tenant_id,
    totpSecret: mfa.keys.seal(secret, String(user.id), user.tenant_id),
    totpConfirmedAt: null,
    totpLastStep: record?.totpLastStep ?? 0,
    recoveryCodes: [],
    version: (record?.version ?? 0) + 1,
  };
  if (!(await mfa.store.write(next, record?.version ?? null))) throw new AppError('conflict', 'Another enrolment came first: try again');
  const { uri, qrSvg } = await totpEnrolment(secret, mfa.settings.issuer, user.email);
  return { secret, uri, qr_svg: qrSvg };
}

/**
 * POST /mfa/totp/confirm: a code from the pending secret turns it on, with ten recovery codes
 * (shown once, stored as keyed hashes). A sign-in held back for enrolment then gets its session.
 */
export async function confirmTotp(
  services: EnrolServices,
  scope: RequestScope,
  who: Enrolling,
  code: string,
): Promise<{ recovery_codes: string[]; tokens?: IssuedTokens }> {
  const mfa = mfaOf(services);
  const user = await enrollingUser(services, who);
  const pending = await mfa.store.read(user.id, user.tenant_id);
  if (!pending?.totpSecret || pending.totpConfirmedAt) throw new AppError('conflict', 'There is no enrolment to confirm: start one with POST /mfa/totp/enroll');
  const attempts = { key: `mfa-enroll:${user.id}:${pending.version}:try`, expiresAt: Math.floor(services.clock.now() / 1000) + 3600 };
  const { record } = await useSecondFactor(services, scope, user, { code }, attempts, pending);
  const codes = newRecoveryCodes();
  const confirmed: MfaRecord = { ...record, totpConfirmedAt: timestamp(services.clock), recoveryCodes: codes.map((c) => mfa.keys.hashRecoveryCode(c)), version: record.version + 1 };
  if (!(await mfa.store.write(confirmed, record.version))) throw new AppError('conflict', 'The enrolment changed meanwhile: start again');
  services.audit.record(scope, 'mfa_enabled', { userId: user.id });
  if (!('pending' in who)) return { recovery_codes: codes };
  if (!(await services.spentLinks.spend(`mfa:${who.pending.id}`, who.pending.expiresAt))) throw new AppError('invalid_token', 'This sign-in was completed already: sign in again');
  return { recovery_codes: codes, tokens: await sessionAfterSecondFactor(services, user, who.pending.amr, 'totp') };
}

/** POST /mfa/recovery-codes: ten new recovery codes (the old ones stop working), after a step-up. */
export async function regenerateRecoveryCodes(services: EnrolServices, scope: RequestScope, claims: AccessClaims): Promise<{ recovery_codes: string[] }> {
  const mfa = mfaOf(services);
  const user = await enrollingUser(services, { claims });
  await requireStepUp(services, claims, user.tenant_id);
  const record = await confirmedFactor(mfa, user);
  if (!record) throw new AppError('forbidden', 'No second factor is set up for this account');
  const codes = newRecoveryCodes();
  if (!(await mfa.store.write({ ...record, recoveryCodes: codes.map((c) => mfa.keys.hashRecoveryCode(c)), version: record.version + 1 }, record.version))) {
    throw new AppError('conflict', 'The second factor changed meanwhile: try again');
  }
  services.audit.record(scope, 'mfa_recovery_codes_renewed', { userId: user.id });
  return { recovery_codes: codes };
}

/** POST /mfa/totp/disable: after a step-up, a code or a recovery code turns the second factor off. */
export async function disableTotp(services: EnrolServices, scope: RequestScope, claims: AccessClaims, input: SecondFactorInput): Promise<void> {
  const mfa = mfaOf(services);
  const user = await enrollingUser(services, { claims });
  await requireStepUp(services, claims, user.tenant_id);
  const { record } = await useSecondFactor(services, scope, user, input, { key: `mfa-disable:${claims.jti}:try`, expiresAt: claims.exp ?? 0 });
  const cleared: MfaRecord = { ...record, totpSecret: null, totpConfirmedAt: null, recoveryCodes: [], version: record.version + 1 };
  if (!(await mfa.store.write(cleared, record.version))) throw new AppError('conflict', 'The second factor changed meanwhile: try again');
  services.audit.record(scope, 'mfa_disabled', { userId: user.id });
}
