import { AppError } from '../core/errors.js';
import type { JwtExtension } from './types.js';

interface HasuraExtensionOptions {
  /** Default `https://hasura.io/jwt/claims` (HASURA_CLAIMS_NAMESPACE). */
  readonly namespace: string;
  /** `json` (an object) or `stringified_json` (the object as a JSON string), as Hasura documents. */
  readonly format: 'json' | 'stringified_json';
  readonly defaultRole: string;
  readonly multiTenant: boolean;
  /** HASURA_ROLE_MAP: the gateway's role → Hasura's (unlisted roles pass unchanged). */
  readonly roleMap?: Readonly<Record<string, string>>;
  /** Whether a role may come out as Hasura's built-in `admin` (development, or HASURA_ALLOW_ADMIN_ROLE). */
  readonly allowAdminRole?: boolean;
}

/**
 * Hasura's JWT mode claims: `x-hasura-default-role` (the user's role), `x-hasura-allowed-roles`
 * (the user's role and DEFAULT_ROLE, so the default is always allowed and a normal user never
 * gets ADMIN_ROLE), `x-hasura-user-id`, `x-hasura-tenant-id` when multi-tenant, and
 * `x-hasura-impersonator-id` while an admin acts as the user. Every value is a string, as Hasura
 * requires. Roles go through HASURA_ROLE_MAP; one that would come out as Hasura's `admin` (which
 * bypasses every permission) is refused unless allowed: the start refuses ADMIN_ROLE and
 * DEFAULT_ROLE, and this catches any other role a row holds.
 */
export function hasuraExtension(options: HasuraExtensionOptions): JwtExtension {
  const toHasura = (role: string) => {
    const mapped = options.roleMap?.[role] ?? role;
    if (mapped === 'admin' && options.allowAdminRole === false) {
      throw new AppError('forbidden', 'This account\'s role would be Hasura\'s admin role, which this gateway does not issue (see HASURA_ROLE_MAP)');
    }
    return mapped;
  };
  return {
    name: 'hasura',
    claims({ user, tenantId, actor, roles, hasura }) {
      const mapped = (roles.length > 0 ? roles : [user.role]).map(toHasura);
      const role = mapped[0] as string;
      const claims: Record<string, string | string[]> = {};
      // The operator's x-hasura-* values first: the gateway's own four (and the impersonator) are set after, never replaced.
      for (const [name, value] of Object.entries(hasura)) claims[name] = sessionVariable(value);
      Object.assign(claims, {
        'x-hasura-default-role': role,
        'x-hasura-allowed-roles': [...new Set([...mapped, toHasura(options.defaultRole)])],
        'x-hasura-user-id': String(user.id),
      });
      if (options.multiTenant && tenantId !== null) claims['x-hasura-tenant-id'] = tenantId;
      else delete claims['x-hasura-tenant-id'];
      if (actor) claims['x-hasura-impersonator-id'] = String(actor.id);
      else delete claims['x-hasura-impersonator-id'];
      return { [options.namespace]: options.format === 'stringified_json' ? JSON.stringify(claims) : claims };
    },
  };
}

/**
 * A value as a Hasura session variable: a string — a list as a Postgres array literal
 * (`{"a","b"}`, what Hasura's `_in`/`_has_keys_any` on a session variable read), anything else its
 * JSON text (numbers, booleans) or itself (strings).
 */
function sessionVariable(value: unknown): string {
  if (Array.isArray(value)) return `{${value.map((v) => `"${String(v).replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}
