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
    claims({ user, tenantId, actor }) {
      const role = toHasura(user.role);
      const claims: Record<string, string | string[]> = {
        'x-hasura-default-role': role,
        'x-hasura-allowed-roles': [...new Set([role, toHasura(options.defaultRole)])],
        'x-hasura-user-id': String(user.id),
      };
      if (options.multiTenant && tenantId !== null) claims['x-hasura-tenant-id'] = tenantId;
      if (actor) claims['x-hasura-impersonator-id'] = String(actor.id);
      return { [options.namespace]: options.format === 'stringified_json' ? JSON.stringify(claims) : claims };
    },
  };
}
