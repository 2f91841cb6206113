import { BackendError, type StoredUser, type UserPatch } from '../backends/types.js';
import { AppError, requiredField } from '../core/errors.js';
import type { RequestScope } from '../core/request.js';
import { usedLink } from '../links/spent-links.js';
import type { LinkClaims } from '../tokens/link-token.js';
import type { IssuedTokens } from '../tokens/tokens.js';
import { mailLink } from './mail.js';
import { noticePasswordChanged } from './notices.js';
import { revertEmail } from './revert-email.js';
import { hasRole } from './roles.js';
import type { AccountServices } from './services.js';
import { startSession } from './sign-in.js';
import { spending } from './spend.js';
import {
  createUser,
  hashNewPassword,
  publicUser,
  type PublicUser,
  ROLE_NAME,
  timestamp,
  unguessablePassword,
  updateUser,
  type UserWithHookData,
} from './users.js';

type RedeemServices = Pick<
  AccountServices,
  'config' | 'backend' | 'tokens' | 'hasher' | 'hooks' | 'audit' | 'extensions' | 'metrics' | 'clock' | 'spentLinks' | 'limits' | 'mailer' | 'mfa'
>;

const DONE = { 'verify-email': 'account_created', invite: 'account_created', 'reset-password': 'password_changed', 'change-email': 'email_changed' } as const;

/**
 * POST /verify-email: carries out a mailed link's action — create the account (signup,
 * invitation), set a new password (reset), move the account (email change) — and signs the user
 * in: following the link proved the mailbox (`amr: email`). Every link works once. A "this wasn't
 * me" link moves the account back instead and signs nobody in.
 */
export async function redeemLink(
  services: RedeemServices,
  scope: RequestScope,
  input: { token: string; password: string | undefined },
): Promise<{ user: PublicUser; tokens: IssuedTokens } | Awaited<ReturnType<typeof revertEmail>>> {
  const { config, clock } = services;
  const claims = await services.tokens.link.verify(input.token, scope.tenantId);
  const password = input.password === '' ? undefined : input.password;
  let result: UserWithHookData;
  switch (claims.action) {
    case 'revert-email':
      return revertEmail(services, scope, claims);
    case 'verify-email':
      if (config.signupDisabled) throw new AppError('signup_disabled', 'Self-service signup is disabled');
      result = await createFromLink(services, claims, config.roles.default, password, scope.tenantId);
      break;
    case 'invite': {
      if (typeof claims.role !== 'string' || !ROLE_NAME.test(claims.role)) throw new AppError('invalid_token', 'The token is invalid');
      result = await createFromLink(services, claims, claims.role, password, scope.tenantId);
      break;
    }
    case 'reset-password': {
      if (password === undefined) throw requiredField('password');
      const current = await linkedUser(services, claims, scope.tenantId);
      const hash = await hashNewPassword(services, password);
      result = await spending(services, claims, async () => {
        await noticePasswordChanged(services, current, 'reset');
        // A reset proves the address is the user's: an unverified account becomes verified.
        return updateOrGone(services, current, { password: hash, verified_at: current.verified_at ?? timestamp(clock) });
      });
      // The owner proved the mailbox: the account's ceiling of failed sign-ins starts again (a
      // store that is down is logged; the ceiling then lasts its window).
      await services.limits.accountRecovered(scope.tenantId, current.email).catch(() => {});
      break;
    }
    case 'change-email': {
      const current = await linkedUser(services, claims, scope.tenantId);
      result = await spending(services, claims, async () => {
        // The old address hears of it first, with a way back.
        const redirect = new URL(config.urls.verifyRedirect);
        await mailLink(services, 'revert-email', { flow: 'change_email', to: current.email, redirect, tenantId: scope.tenantId, user: current, newEmail: claims.email, quota: 'notice' });
        return updateOrGone(services, current, { email: claims.email, verified_at: timestamp(clock) });
      });
      break;
    }
  }
  services.audit.record(scope, DONE[claims.action], { userId: result.user.id, detail: claims.action });
  return { user: publicUser(result), tokens: await startSession(services, { ...result, factor: 'email' }) };
}

/**
 * Creates the account a signup or invitation link is for. An invitation holds while its admin
 * still is one, with the session version it had (a logout or a demotion ends it); links of either
 * kind work once, whatever happens to the account later.
 */
async function createFromLink(services: RedeemServices, claims: LinkClaims, role: string, password: string | undefined, tenantId: string | null): Promise<UserWithHookData> {
  // A used link is refused before any bcrypt work is spent on it.
  if (await services.backend.findByEmail(claims.email, tenantId)) throw usedLink();
  if (claims.action === 'invite') await inviterStillAdmin(services, claims, tenantId);
  const hash = await hashNewPassword(services, password ?? unguessablePassword());
  return spending(services, claims, async () => {
    try {
      return await createUser(services, { email: claims.email, role, password: hash, tenant_id: tenantId, verified_at: timestamp(services.clock) });
    } catch (error) {
      if (error instanceof BackendError && error.code === 'conflict') throw usedLink();
      throw error;
    }
  });
}

async function inviterStillAdmin(services: RedeemServices, claims: LinkClaims, tenantId: string | null): Promise<void> {
  // Invitations mailed before inviters were recorded carry none: refused.
  const inviter = typeof claims.inv === 'string' ? await services.backend.findById(claims.inv, tenantId) : null;
  if (!inviter || !(await hasRole(services, inviter, services.config.roles.admin)) || (inviter.session_version ?? 0) !== claims.isv) {
    throw new AppError('invalid_token', 'This invitation is no longer valid: ask for a new one');
  }
}

/** The existing user a reset or email-change link acts on, while the link is still current. */
async function linkedUser(services: RedeemServices, claims: LinkClaims, tenantId: string | null): Promise<StoredUser> {
  const user = typeof claims.sub === 'string' ? await services.backend.findById(claims.sub, tenantId) : null;
  if (!user || !services.tokens.link.stillValid(user, claims)) throw usedLink();
  return user;
}

async function updateOrGone(services: RedeemServices, user: StoredUser, patch: UserPatch): Promise<UserWithHookData> {
  const updated = await updateUser(services, user, patch);
  if (!updated) throw usedLink();
  return updated;
}
