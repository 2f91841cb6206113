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

/** The operator's own data about `user` (JWT_CLAIMS_QUERY, JWT_CLAIMS_MAP, HTTP_CLAIMS_URL), or null: read at most once per sign-in. */
export function operatorData(services: Pick<AccountServices, 'backend'>, user: StoredUser): Promise<Record<string, unknown> | null> {
  return services.backend.userClaims ? services.backend.userClaims(user) : Promise.resolve(null);
}

/** Whether `user` holds any of `roles` (MFA_REQUIRED_ROLES); `data`: the operator's data when already read. */
export async function holdsAny(
  services: Pick<AccountServices, 'backend' | 'config'>,
  user: StoredUser,
  roles: readonly string[],
  data?: Record<string, unknown> | null,
): Promise<boolean> {
  if (roles.length === 0) return false;
  if (roles.includes(user.role)) return true;
  const known = data === undefined ? await operatorData(services, user) : data;
  return rolesOf(user, known, services.config.roles.listColumn).some((r) => roles.includes(r));
}

/** Whether `user` holds `role` among its roles (ADMIN_ROLE checks). */
export function hasRole(services: Pick<AccountServices, 'backend' | 'config'>, user: StoredUser, role: string): Promise<boolean> {
  return holdsAny(services, user, [role]);
}
