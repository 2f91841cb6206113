import { compileClaimsTemplate } from './claims-template.js';
import type { JwtExtension } from './types.js';

/**
 * The `env` extension: JWT_ENV_EXTENSION_CLAIMS rendered under JWT_ENV_EXTENSION_NAMESPACE (the
 * template was already checked by the config).
 */
export function envExtension(namespace: string, claimsJson: string): JwtExtension {
  const render = compileClaimsTemplate(claimsJson);
  return {
    name: 'env',
    claims: ({ user, tenantId }) => ({ [namespace]: render(user, tenantId) }),
  };
}
