import type { StoredUser } from '../backends/types.js';
import type { AccountServices } from './services.js';

/** `value` as a list of role names: a list, a JSON array in text, or comma-separated text. */
function roleList(value: unknown): string[] | undefined {
  let list: unknown = value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('[')) {
      try {
        list = JSON.parse(text);
      } catch {
        return undefined;
      }
    } else list = text.split(',');
  }
  if (!Array.isArray(list)) return undefined;
  const names = list.filter((r): r is string => typeof r === 'string').map((r) => r.trim()).filter(Boolean);
  return names.length > 0 ? [...new Set(names)] : undefined;
}

/**
 * A user's roles, first the main one: the operator's claims' `roles` (JWT_CLAIMS_QUERY's column,
 * HTTP_CLAIMS_URL's field) when given, else the role column's — several when ROLE_COLUMN_LIST
 * says it holds a list (`editor,viewer` or `["editor","viewer"]`). A single role is a list of one.
 */
export function rolesOf(user: StoredUser, data: Record<string, unknown> | null, listColumn: boolean): string[] {
  return roleList(data?.roles) ?? (listColumn ? roleList(user.role) : undefined) ?? [user.role];
}

/** Whether `user` holds any of `roles` (MFA_REQUIRED_ROLES): the operator's claims are read (once) when the backend has them. */
export async function holdsAny(services: Pick<AccountServices, 'backend' | 'config'>, user: StoredUser, roles: readonly string[]): Promise<boolean> {
  if (roles.length === 0) return false;
  if (roles.includes(user.role)) return true;
  const data = services.backend.userClaims ? await services.backend.userClaims(user) : null;
  return rolesOf(user, data, services.config.roles.listColumn).some((r) => roles.includes(r));
}

/** Whether `user` holds `role` among its roles (ADMIN_ROLE checks). */
export function hasRole(services: Pick<AccountServices, 'backend' | 'config'>, user: StoredUser, role: string): Promise<boolean> {
  return holdsAny(services, user, [role]);
}
