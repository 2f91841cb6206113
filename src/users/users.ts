import { randomBytes } from 'node:crypto';
import type { NewUser, StoredUser, UserId, UserPatch } from '../backends/types.js';
import type { Deps } from '../deps.js';
import type { HookData } from '../hooks/hook-client.js';
import { AppError } from '../http/errors.js';
import { checkPasswordPolicy } from '../passwords/policy.js';
import type { AccessOptions, IssuedTokens } from '../tokens/token-service.js';

/** The user as clients see it: never the password hash; `hook_data` when a hook supplied it. */
export interface PublicUser {
  id: UserId;
  email: string;
  role: string;
  tenant_id: string | null;
  verified_at: string | null;
  hook_data?: HookData;
}

export function publicUser(user: StoredUser, hookData?: HookData): PublicUser {
  const out: PublicUser = { id: user.id, email: user.email, role: user.role, tenant_id: user.tenant_id, verified_at: user.verified_at };
  if (hookData !== undefined) out.hook_data = hookData;
  return out;
}

/** A user together with what the hook said about it in this request. */
export interface UserWithHookData {
  readonly user: StoredUser;
  readonly hookData: HookData | undefined;
}

/** The user a verified token names; gone users make the token invalid (401). */
export async function userFromToken(deps: Deps, subject: unknown, tenantId: string | null): Promise<StoredUser> {
  if (typeof subject !== 'string' || subject === '') throw new AppError('invalid_token', 'The token is invalid');
  const user = await deps.backend.findById(subject, tenantId);
  if (!user) throw new AppError('invalid_token', 'The token\'s user no longer exists');
  return user;
}

/**
 * Runs the `get_user` hook for a user about to be handed out (tokens or GET /user); `actor` is
 * the admin impersonating them, whom the hook is told about.
 */
export async function withHookData(deps: Deps, user: StoredUser, actor?: StoredUser): Promise<UserWithHookData> {
  return { user, hookData: await deps.hooks.call('get_user', user, actor ? { impersonatorId: actor.id } : {}) };
}

/** `create_or_update_user` hook first (a refusal writes nothing), then the create. */
export async function createUser(deps: Deps, user: NewUser): Promise<UserWithHookData> {
  const hookData = await deps.hooks.call('create_or_update_user', { ...user, id: null });
  return { user: await deps.backend.create(user), hookData };
}

/**
 * `create_or_update_user` hook with the user as it will be (a refusal writes nothing), then the
 * update. `null` when the user vanished meanwhile.
 */
export async function updateUser(deps: Deps, user: StoredUser, patch: UserPatch): Promise<UserWithHookData | null> {
  const hookData = await deps.hooks.call('create_or_update_user', { ...user, ...patch });
  const updated = await deps.backend.update(user.id, user.tenant_id, patch);
  return updated ? { user: updated, hookData } : null;
}

/** Access and refresh tokens for `user`, with the extensions' claims and the hook's data. */
export async function issueTokens(
  deps: Deps,
  { user, hookData }: UserWithHookData,
  options: Pick<AccessOptions, 'actor'> = {},
): Promise<IssuedTokens> {
  const claims: Record<string, unknown> = {};
  for (const extension of deps.extensions) {
    Object.assign(claims, extension.claims({ user, tenantId: user.tenant_id, actor: options.actor }));
  }
  const issued = await deps.tokens.issue(user, { ...options, claims, hookData });
  deps.metrics.tokensIssued('access');
  if (issued.refresh_token !== undefined) deps.metrics.tokensIssued('refresh');
  return issued;
}

/** Hashes a new password after checking the policy (400 `weak_password` otherwise). */
export async function hashNewPassword(deps: Deps, password: string, field = 'password'): Promise<string> {
  const weakness = checkPasswordPolicy(password);
  if (weakness !== undefined) {
    throw new AppError('weak_password', `The ${field.replace('_', ' ')} ${weakness}`, {
      issues: [{ path: field, message: weakness }],
    });
  }
  return deps.hasher.hash(password);
}

/**
 * A password nobody knows, for accounts created without one (a verification link followed
 * without a password): the user sets one through a password reset.
 */
export function unguessablePassword(): string {
  return `${randomBytes(24).toString('base64url')}aA1!`;
}

export function now(): string {
  return new Date().toISOString();
}
