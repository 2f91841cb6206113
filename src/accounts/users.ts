import { randomBytes } from 'node:crypto';
import { type NewUser, type StoredUser, unchanged, type UserId, type UserPatch } from '../backends/types.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { HookData } from '../hooks/hook-client.js';
import { checkPasswordPolicy } from '../passwords/policy.js';
import type { AccountServices } from './services.js';

/** A role name: 1 to 64 letters, digits or `_ . : -` (an invitation's role is checked again when its link is used). */
export const ROLE_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

/** The user as clients see it: never the password hash; `hook_data` when a hook supplied it. */
export interface PublicUser {
  id: UserId;
  email: string;
  role: string;
  tenant_id: string | null;
  verified_at: string | null;
  hook_data?: HookData;
}

/** A user together with what the hook said about it in this request. */
export interface UserWithHookData {
  readonly user: StoredUser;
  readonly hookData: HookData | undefined;
}

export function publicUser({ user, hookData }: UserWithHookData): PublicUser {
  const out: PublicUser = { id: user.id, email: user.email, role: user.role, tenant_id: user.tenant_id, verified_at: user.verified_at };
  if (hookData !== undefined) out.hook_data = hookData;
  return out;
}

/** The user a verified token names; gone users make the token invalid (401). */
export async function userFromToken({ backend }: Pick<AccountServices, 'backend'>, subject: unknown, tenantId: string | null): Promise<StoredUser> {
  if (typeof subject !== 'string' || subject === '') throw new AppError('invalid_token', 'The token is invalid');
  const user = await backend.findById(subject, tenantId);
  if (!user) throw new AppError('invalid_token', "The token's user no longer exists");
  return user;
}

/**
 * Runs the `get_user` hook for a user about to be handed out (tokens or GET /user); `actor` is
 * the admin impersonating them, whom the hook is told about.
 */
export async function withHookData({ hooks }: Pick<AccountServices, 'hooks'>, user: StoredUser, actor?: StoredUser): Promise<UserWithHookData> {
  return { user, hookData: await hooks.call('get_user', user, actor ? { impersonatorId: actor.id } : {}) };
}

/** `create_or_update_user` hook first (a refusal writes nothing), then the create. */
export async function createUser({ hooks, backend }: Pick<AccountServices, 'hooks' | 'backend'>, user: NewUser): Promise<UserWithHookData> {
  const hookData = await hooks.call('create_or_update_user', { ...user, id: null });
  return { user: await backend.create(user), hookData };
}

/**
 * `create_or_update_user` hook with the user as it will be (a refusal writes nothing), then the
 * update — conditional on the row being the one that was read: `null` when the user vanished or
 * changed meanwhile (another request won).
 */
export async function updateUser(
  { hooks, backend }: Pick<AccountServices, 'hooks' | 'backend'>,
  user: StoredUser,
  patch: UserPatch,
): Promise<UserWithHookData | null> {
  const hookData = await hooks.call('create_or_update_user', { ...user, ...patch });
  const updated = await backend.update(user.id, user.tenant_id, patch, unchanged(user));
  return updated ? { user: updated, hookData } : null;
}

/** Hashes a new password after checking the policy (400 `weak_password` otherwise). */
export async function hashNewPassword({ hasher }: Pick<AccountServices, 'hasher'>, password: string, field = 'password'): Promise<string> {
  const weakness = checkPasswordPolicy(password);
  if (weakness !== undefined) {
    throw new AppError('weak_password', `The ${field.replace('_', ' ')} ${weakness}`, { issues: [{ path: field, message: weakness }] });
  }
  return hasher.hash(password);
}

/**
 * A password nobody knows, for accounts created without one (a verification link followed
 * without a password, an OAuth sign-up): the user sets one through a password reset.
 */
export function unguessablePassword(): string {
  return `${randomBytes(24).toString('base64url')}aA1!`;
}

/** The clock's time as the ISO 8601 timestamp `verified_at` holds. */
export function timestamp(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}
