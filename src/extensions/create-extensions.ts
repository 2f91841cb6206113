import type { Config } from '../config/load-config.js';
import { envExtension } from './env.js';
import { hasuraExtension } from './hasura.js';
import type { JwtExtension } from './types.js';

/** The extensions JWT_EXTENSIONS names, in that order (validated by loadConfig). */
export function createExtensions(config: Pick<Config, 'jwt' | 'roles' | 'tenancy'>): JwtExtension[] {
  return config.jwt.extensions.map((extension) =>
    extension.name === 'hasura'
      ? hasuraExtension({
          namespace: extension.namespace,
          format: extension.format,
          defaultRole: config.roles.default,
          multiTenant: config.tenancy.enabled,
          roleMap: extension.roleMap,
          allowAdminRole: extension.allowAdminRole,
        })
      : envExtension(extension.namespace, extension.claims),
  );
}
