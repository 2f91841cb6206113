import type { MfaRecord, StoredUser } from '../backends/types.js';
import type { Mfa } from '../mfa/types.js';
import { AppError } from '../core/errors.js';
import type { RequestScope } from '../core/request.js';
import { dayEnd, givePlaceBack, takePlace } from '../links/places.js';
import { totpStep } from '../mfa/totp.js';
import type { AccessClaims } from '../tokens/access-token.js';
import type { IssuedTokens } from '../tokens/tokens.js';
import { signedInRecently } from './change-email.js';
import type { AccountServices } from './services.js';
import { issueTokens } from './sign-in.js';
import { confirmedFactor, FACTOR_AMR, type Method, mfaOf, SECOND_FACTOR_AMR } from './mfa-gate.js';
import { userFromToken, withHookData } from './users.js';

/** A code from the authenticator app, or a recovery code. */
export type SecondFactorInput = { readonly code: string } | { readonly recoveryCode: string };

type FactorServices = Pick<AccountServices, 'mfa' | 'spentLinks' | 'clock' | 'audit' | 'metrics'>;

/**
 * Checks a second factor of `user` within the limits — each try takes one of `attempts`' places
 * (MFA_MAX_ATTEMPTS) and one of the user's MFA_MAX_FAILURES places of the day before anything is
 * compared — and uses it up: a TOTP code's step becomes the last one accepted, a recovery code is
 * removed, both by a write conditional on the record read (a code used twice at once works once).
 * `record`: the record to check against (a pending enrolment's); the confirmed one by default.
 */
export async function useSecondFactor(
  services: FactorServices,
  scope: RequestScope,
  user: StoredUser,
  input: SecondFactorInput,
  attempts: { readonly key: string; readonly expiresAt: number },
  pending?: MfaRecord,
): Promise<{ method: Method; record: MfaRecord }> {
  const mfa = mfaOf(services);
  const { spentLinks, clock } = services;
  const now = Math.floor(clock.now() / 1000);
  let userPlace: string | undefined;
  if (mfa.settings.maxFailures > 0) {
    const end = dayEnd(now);
    userPlace = await takePlace(spentLinks, `mfa-fail:${user.tenant_id ?? ''}:${user.id}:${end}`, mfa.settings.maxFailures, end);
    if (userPlace === undefined) throw new AppError('rate_limited', 'Too many wrong codes today: try again tomorrow, or ask an admin', { retryAfterSeconds: end - now });
  }
  if ((await takePlace(spentLinks, attempts.key, mfa.settings.maxAttempts, attempts.expiresAt)) === undefined) {
    await givePlaceBack(spentLinks, userPlace);
    throw new AppError('invalid_code', 'Too many wrong codes: sign in again');
  }
  const method: Method = 'code' in input ? 'totp' : 'recovery_code';
  // A write that loses to another is retried on the record as it now is (where a replay shows).
  for (let round = 0; round < 3; round += 1) {
    const record = pending ?? (await confirmedFactor(mfa, user));
    if (record === null) throw new AppError('forbidden', 'No second factor is set up for this account');
    const next = nextRecord(mfa, user, record, input, clock.now());
    if (next === undefined) {
      services.audit.record(scope, 'login_failed', { userId: user.id, detail: 'mfa' });
      services.metrics.login('failed');
      throw new AppError('invalid_code', 'The code is wrong, or was used already');
    }
    if (await mfa.store.write(next, record.version)) {
      await givePlaceBack(spentLinks, userPlace);
      return { method, record: next };
    }
    if (pending) break;
  }
  throw new AppError('conflict', 'The second factor changed meanwhile: try again');
}

/** The record with the factor used up, or undefined when it does not match. */
function nextRecord(mfa: Mfa, user: StoredUser, record: MfaRecord, input: SecondFactorInput, nowMs: number): MfaRecord | undefined {
  if ('code' in input) {
    const secret = mfa.keys.open(record.totpSecret as string, String(user.id), user.tenant_id);
    const step = secret === undefined ? undefined : totpStep(secret, input.code, nowMs, record.totpLastStep);
    return step === undefined ? undefined : { ...record, totpLastStep: step, version: record.version + 1 };
  }
  const found = mfa.keys.findRecoveryCode(input.recoveryCode, record.recoveryCodes);
  return found === undefined ? undefined : { ...record, recoveryCodes: record.recoveryCodes.filter((c) => c !== found), version: record.version + 1 };
}

/** The session's tokens once both factors are passed: `amr` the first factor's, the second's, `mfa`; `auth_time` now. */
export async function sessionAfterSecondFactor(
  services: Pick<AccountServices, 'tokens' | 'extensions' | 'metrics' | 'clock' | 'hooks' | 'backend' | 'config'>,
  user: StoredUser,
  firstFactor: readonly string[],
  method: Method,
): Promise<IssuedTokens> {
  const amr = [...firstFactor.filter((v) => !SECOND_FACTOR_AMR.includes(v)), FACTOR_AMR[method], 'mfa'];
  const authentication = { amr, authTime: Math.floor(services.clock.now() / 1000) };
  return issueTokens(services, await withHookData(services, user), { authentication });
}

type VerifyServices = Pick<AccountServices, 'mfa' | 'spentLinks' | 'clock' | 'audit' | 'metrics' | 'tokens' | 'backend' | 'extensions' | 'hooks' | 'config'>;

/** POST /mfa/verify with an mfa token: the second factor of a sign-in, then its session. */
export async function completeSignIn(services: VerifyServices, scope: RequestScope, mfaToken: string, input: SecondFactorInput, anyTenant: boolean): Promise<IssuedTokens> {
  const pending = await services.tokens.mfa.verify('mfa', mfaToken, anyTenant ? undefined : scope.tenantId);
  const user = await services.backend.findById(pending.userId, pending.tenantId);
  if (!user || !services.tokens.mfa.stillValid(user, pending)) throw new AppError('invalid_token', 'This sign-in is no longer valid (the account changed): sign in again');
  const { method } = await useSecondFactor(services, { ...scope, tenantId: pending.tenantId }, user, input, { key: `mfa:${pending.id}:try`, expiresAt: pending.expiresAt });
  if (!(await services.spentLinks.spend(`mfa:${pending.id}`, pending.expiresAt))) throw new AppError('invalid_token', 'This sign-in was completed already: sign in again');
  const tokens = await sessionAfterSecondFactor(services, user, pending.amr, method);
  services.audit.record({ ...scope, tenantId: pending.tenantId }, 'login_succeeded', { userId: user.id, detail: `mfa_${method}` });
  services.metrics.login('ok');
  return tokens;
}

/** POST /mfa/verify with an access token: a step-up — fresh tokens with a new `auth_time` and `mfa`. */
export async function stepUp(services: VerifyServices, scope: RequestScope, claims: AccessClaims, input: SecondFactorInput): Promise<IssuedTokens> {
  if (claims.act !== undefined) throw new AppError('forbidden', 'An impersonation token cannot step up');
  const user = await userFromToken(services, claims.sub, scope.tenantId);
  const { method } = await useSecondFactor(services, scope, user, input, { key: `step-up:${claims.jti}:try`, expiresAt: claims.exp ?? 0 });
  services.audit.record(scope, 'login_succeeded', { userId: user.id, detail: `step_up_${method}` });
  return sessionAfterSecondFactor(services, user, claims.amr ?? [], method);
}

/**
 * The guard of sensitive calls (/change-email, /change-password, /invite, disabling MFA, new
 * recovery codes): a user with a second factor must have used it within REAUTH_WINDOW (the
 * token's `amr` has `mfa`, its `auth_time` is recent), else `403 step_up_required`.
 */
export async function requireStepUp(services: Pick<AccountServices, 'mfa' | 'clock' | 'config'>, claims: AccessClaims, tenantId: string | null): Promise<void> {
  if (!services.mfa || !(await confirmedFactor(services.mfa, { id: claims.sub, tenant_id: tenantId }))) return;
  if (!signedInRecently(claims, services.clock.now() / 1000, services.config.reauthWindow) || !claims.amr?.includes('mfa')) {
    throw new AppError('step_up_required', 'Confirm it is you with your second factor: POST /mfa/verify with your access token and a code, then retry with the new token');
  }
}
