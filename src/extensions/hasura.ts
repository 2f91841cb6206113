import type { JwtExtension } from './types.js';

export interface HasuraExtensionOptions {
  /** Default `https://hasura.io/jwt/claims` (HASURA_CLAIMS_NAMESPACE). */
  readonly namespace: string;
  /** `json` (an object) or `stringified_json` (the object as a JSON string), as Hasura documents. */
  readonly format: 'json' | 'stringified_json';
  readonly defaultRole: string;
  readonly multiTenant: boolean;
}

/**
 * Hasura's JWT mode claims: `x-hasura-default-role` (the user's role), `x-hasura-allowed-roles`
 * (the user's role and DEFAULT_ROLE, so the default is always allowed and a normal user never
 * gets ADMIN_ROLE), `x-hasura-user-id`, `x-hasura-tenant-id` when multi-tenant, and
 * `x-hasura-impersonator-id` while an admin acts as the user. Every value is a string, as Hasura
 * requires.
 */
export function hasuraExtension(options: HasuraExtensionOptions): JwtExtension {
  return {
    name: 'hasura',
    keys: [options.namespace],
    claims({ user, tenantId, actor }) {
      const claims: Record<string, string | string[]> = {
        'x-hasura-default-role': user.role,
        'x-hasura-allowed-roles': [...new Set([user.role, options.defaultRole])],
        'x-hasura-user-id': String(user.id),
      };
      if (options.multiTenant && tenantId !== null) claims['x-hasura-tenant-id'] = tenantId;
      if (actor) claims['x-hasura-impersonator-id'] = String(actor.id);
      return { [options.namespace]: options.format === 'stringified_json' ? JSON.stringify(claims) : claims };
    },
  };
}
