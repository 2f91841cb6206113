import { buildLink } from '../accounts/links.js';
import { mailLink } from '../accounts/mail.js';
import { noticePasswordChanged } from '../accounts/notices.js';
import { createUser, hashNewPassword, publicUser, type PublicUser, timestamp, unguessablePassword, updateUser } from '../accounts/users.js';
import type { AppServices } from '../api/services.js';
import { BackendError, type StoredUser, unchanged, type UserPatch } from '../backends/types.js';
import { AppError } from '../core/errors.js';
import type { RequestScope } from '../core/request.js';
import { readStoredHash } from '../passwords/formats.js';

type AdminServices = AppServices;

const shown = (user: StoredUser): PublicUser => publicUser({ user, hookData: undefined });

function notSupported(what: string, fix: string): AppError {
  return new AppError('not_supported', `The ${what} is not supported by this backend: ${fix}`);
}

/** The opaque cursor of a page: the backend's `next` (the last id), base64url. */
const cursorOf = (next: string | null) => (next === null ? null : Buffer.from(JSON.stringify({ after: next })).toString('base64url'));
function afterOf(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  try {
    const { after } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof after === 'string') return after;
  } catch {}
  throw new AppError('validation_failed', 'The request is invalid (cursor: not a cursor this API gave)', { issues: [{ path: 'cursor', message: 'not a cursor this API gave' }] });
}

/** GET /admin/users: a page of users, and the cursor of the next one (null: the last page). */
export async function adminListUsers(
  services: AdminServices,
  query: { query?: string | undefined; tenantId: string | null | undefined; role?: string | undefined; limit: number; cursor?: string | undefined },
): Promise<{ users: PublicUser[]; next_cursor: string | null }> {
  const { listUsers } = services.backend;
  if (!listUsers || !(await services.backend.capabilities()).listUsers) throw notSupported('user list', 'HTTP_ADMIN_CALLS=list (http)');
  const page = await listUsers.call(services.backend, { emailPrefix: query.query, tenantId: query.tenantId, role: query.role, limit: query.limit, after: afterOf(query.cursor) });
  return { users: page.users.map(shown), next_cursor: cursorOf(page.next) };
}

async function userOr404(services: AdminServices, id: string, tenantId: string | null): Promise<StoredUser> {
  const user = await services.backend.findById(id, tenantId);
  if (!user) throw new AppError('not_found', 'No such user (in that tenant)');
  return user;
}

/** GET /admin/users/{id}. */
export async function adminGetUser(services: AdminServices, id: string, tenantId: string | null): Promise<PublicUser> {
  return shown(await userOr404(services, id, tenantId));
}

/**
 * POST /admin/users: a user with a password (the policy applies), a stored hash in any format
 * the gateway verifies (README, Migrating users), or neither (a password nobody knows: a reset
 * sets one). The hook runs as for any signup.
 */
export async function adminCreateUser(
  services: AdminServices,
  input: { email: string; role?: string | undefined; password?: string | undefined; passwordHash?: string | undefined; verified?: boolean | undefined; tenantId: string | null },
): Promise<PublicUser> {
  if (input.password !== undefined && input.passwordHash !== undefined) {
    throw new AppError('validation_failed', 'The request is invalid (password_hash: send a password or a hash, not both)', { issues: [{ path: 'password_hash', message: 'send a password or a hash, not both' }] });
  }
  let password: string;
  if (input.passwordHash !== undefined) {
    const known = readStoredHash(input.passwordHash, services.config.passwords.firebase);
    if (typeof known === 'string') {
      const why = {
        not_recognised: 'not a format the gateway verifies (README, Migrating users)',
        beyond_limits: 'asks for more work than the limits allow',
        not_configured: 'Firebase scrypt needs FIREBASE_SCRYPT_*',
        not_set: 'a value that says "no password": leave password_hash out instead',
      }[known];
      throw new AppError('validation_failed', `The request is invalid (password_hash: ${why})`, { issues: [{ path: 'password_hash', message: why }] });
    }
    password = input.passwordHash;
  } else {
    password = await hashNewPassword(services, input.password ?? unguessablePassword());
  }
  try {
    const { user } = await createUser(services, {
      email: input.email,
      role: input.role ?? services.config.roles.default,
      password,
      tenant_id: input.tenantId,
      verified_at: input.verified ? timestamp(services.clock) : null,
    });
    return shown(user);
  } catch (error) {
    if (error instanceof BackendError && error.code === 'conflict') throw new AppError('conflict', 'A user with this email already exists (in that tenant)');
    throw error;
  }
}

/**
 * PATCH /admin/users/{id}: each change with what it does elsewhere — a new email or role or
 * password changes the credential fingerprint (the user's sessions and mailed links end); the old
 * address hears of a new one (with a way back); the address hears of a new password. The hook
 * runs; the write is conditional on the row read.
 */
export async function adminUpdateUser(
  services: AdminServices,
  id: string,
  tenantId: string | null,
  input: { email?: string | undefined; role?: string | undefined; verified?: boolean | undefined; password?: string | undefined },
): Promise<PublicUser> {
  const user = await userOr404(services, id, tenantId);
  const patch: { -readonly [K in keyof UserPatch]: UserPatch[K] } = {};
  if (input.email !== undefined && input.email !== user.email) {
    if (await services.backend.findByEmail(input.email, tenantId)) throw new AppError('conflict', 'A user with this email already exists (in that tenant)');
    patch.email = input.email;
  }
  if (input.role !== undefined && input.role !== user.role) patch.role = input.role;
  if (input.verified !== undefined && input.verified !== (user.verified_at !== null)) patch.verified_at = input.verified ? timestamp(services.clock) : null;
  if (input.password !== undefined) patch.password = await hashNewPassword(services, input.password);
  if (Object.keys(patch).length === 0) return shown(user);
  // The owner hears first; when a mail cannot be sent, nothing is written.
  if (patch.email !== undefined) {
    const redirect = new URL(services.config.urls.verifyRedirect);
    await mailLink(services, 'revert-email', { flow: 'change_email', to: user.email, redirect, tenantId, user, newEmail: patch.email, quota: 'notice' });
  }
  if (patch.password !== undefined) await noticePasswordChanged(services, user, 'admin', 'an administrator set it');
  const updated = await updateUser(services, user, patch);
  if (!updated) throw new AppError('conflict', 'The user changed meanwhile: read it again and retry');
  return shown(updated.user);
}

/**
 * DELETE /admin/users/{id}: the row (while it holds what was read), with its second factors and
 * passkeys. Used mailed links stay spent; its tokens fail at the next refresh (the user is gone).
 */
export async function adminDeleteUser(services: AdminServices, id: string, tenantId: string | null): Promise<void> {
  const { deleteUser } = services.backend;
  if (!deleteUser || !(await services.backend.capabilities()).deleteUser) throw notSupported('user delete', 'HTTP_ADMIN_CALLS=delete (http)');
  const user = await userOr404(services, id, tenantId);
  if (!(await deleteUser.call(services.backend, user.id, tenantId, unchanged(user)))) throw new AppError('conflict', 'The user changed meanwhile: read it again and retry');
  // A new user given the same id must not inherit them.
  if (services.passkeys) for (const key of await services.passkeys.store.list(user.id, tenantId)) await services.passkeys.store.remove(key.id, user.id, tenantId);
  const mfa = await services.mfa?.store.read(user.id, tenantId);
  if (services.mfa && mfa) await services.mfa.store.write({ ...mfa, totpSecret: null, totpConfirmedAt: null, recoveryCodes: [], version: mfa.version + 1 }, mfa.version);
}

/** POST /admin/users/{id}/logout: every session of the user ends (its session version goes up). */
export async function adminLogout(services: AdminServices, id: string, tenantId: string | null): Promise<void> {
  if (!(await services.backend.capabilities()).sessionVersion) throw notSupported('logout of every session', 'set SESSION_VERSION_COLUMN (a per-user counter)');
  const user = await userOr404(services, id, tenantId);
  const updated = await services.backend.update(user.id, tenantId, { session_version: (user.session_version ?? 0) + 1 }, unchanged(user));
  if (!updated) throw new AppError('conflict', 'The user changed meanwhile: retry');
}

/** POST /admin/users/{id}/links: a reset or email-change link, answered instead of mailed. */
export async function adminLink(
  services: AdminServices,
  scope: RequestScope,
  id: string,
  input: { action: 'reset-password' } | { action: 'change-email'; email: string },
): Promise<{ link: string; expires_in: number }> {
  const tenantId = scope.tenantId;
  const user = await userOr404(services, id, tenantId);
  const email = input.action === 'change-email' ? input.email : user.email;
  if (input.action === 'change-email' && (await services.backend.findByEmail(email, tenantId))) throw new AppError('conflict', 'A user with this email already exists (in that tenant)');
  const token = await services.tokens.link.sign(input.action, { email, tenantId, user });
  return { link: buildLink(new URL(services.config.urls.verifyRedirect), input.action, token, tenantId), expires_in: services.config.jwt.verifyTtl };
}
