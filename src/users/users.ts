import { randomBytes } from 'node:crypto';
import type { StoredUser, UserId } from '../backends/types.js';
import type { Deps } from '../deps.js';
import { AppError } from '../http/errors.js';
import { checkPasswordPolicy } from '../passwords/policy.js';
import type { AccessOptions, IssuedTokens } from '../tokens/token-service.js';

/** The user as clients see it: never the password hash. */
export interface PublicUser {
  id: UserId;
  email: string;
  role: string;
  tenant_id: string | null;
  verified_at: string | null;
}

export function publicUser(user: StoredUser): PublicUser {
  return { id: user.id, email: user.email, role: user.role, tenant_id: user.tenant_id, verified_at: user.verified_at };
}

/** The user a verified token names; gone users make the token invalid (401). */
export async function userFromToken(deps: Deps, subject: unknown, tenantId: string | null): Promise<StoredUser> {
  if (typeof subject !== 'string' || subject === '') throw new AppError('invalid_token', 'The token is invalid');
  const user = await deps.backend.findById(subject, tenantId);
  if (!user) throw new AppError('invalid_token', 'The token\'s user no longer exists');
  return user;
}

/** Access and refresh tokens for `user`. */
export function issueTokens(deps: Deps, user: StoredUser, options: AccessOptions = {}): Promise<IssuedTokens> {
  return deps.tokens.issue(user, options);
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
