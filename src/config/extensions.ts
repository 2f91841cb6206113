import { compileClaimsTemplate } from '../extensions/claims-template.js';
import type { ExtensionSettings } from '../extensions/create-extensions.js';
import { isReservedClaim } from '../tokens/reserved-claims.js';
import type { Env } from './env-schema.js';
import type { Report } from './types.js';

/**
 * JWT_EXTENSIONS and each extension's variables: names known, namespaces neither reserved nor
 * shared, the env template valid, and Hasura's built-in `admin` role never handed out by accident.
 */
export function parseExtensions(env: Env, report: Report): ExtensionSettings[] {
  const extensions: ExtensionSettings[] = [];
  for (const name of new Set(env.JWT_EXTENSIONS)) {
    if (name === 'hasura') extensions.push(hasura(env, report));
    else if (name === 'env') {
      if (env.JWT_ENV_EXTENSION_NAMESPACE === undefined) report.problem('JWT_ENV_EXTENSION_NAMESPACE', 'required with the env extension');
      if (env.JWT_ENV_EXTENSION_CLAIMS === undefined) report.problem('JWT_ENV_EXTENSION_CLAIMS', 'required with the env extension');
      if (env.JWT_ENV_EXTENSION_NAMESPACE !== undefined && env.JWT_ENV_EXTENSION_CLAIMS !== undefined) {
        try {
          compileClaimsTemplate(env.JWT_ENV_EXTENSION_CLAIMS);
          extensions.push({ name, namespace: env.JWT_ENV_EXTENSION_NAMESPACE, claims: env.JWT_ENV_EXTENSION_CLAIMS });
        } catch (error) {
          report.problem('JWT_ENV_EXTENSION_CLAIMS', (error as Error).message);
        }
      }
    } else report.problem('JWT_EXTENSIONS', `unknown extension "${name}" (available: hasura, env)`);
  }
  const namespaces = extensions.map((e) => e.namespace);
  for (const [i, namespace] of namespaces.entries()) {
    const variable = extensions[i]?.name === 'hasura' ? 'HASURA_CLAIMS_NAMESPACE' : 'JWT_ENV_EXTENSION_NAMESPACE';
    if (isReservedClaim(namespace)) report.problem(variable, `"${namespace}" is a claim the gateway sets itself`);
    if (namespaces.findIndex((n) => n.toLowerCase() === namespace.toLowerCase()) !== i) {
      report.problem(variable, `"${namespace}" is already used by another extension`);
    }
  }
  return extensions;
}

function hasura(env: Env, report: Report): ExtensionSettings {
  const roleMap = hasuraRoleMap(env.HASURA_ROLE_MAP, (message) => report.problem('HASURA_ROLE_MAP', message));
  // Hasura's built-in `admin` role bypasses every permission rule of the project.
  const emitsAdmin = [env.ADMIN_ROLE, env.DEFAULT_ROLE].filter((role) => (roleMap[role] ?? role) === 'admin');
  if (emitsAdmin.length > 0 && !env.HASURA_ALLOW_ADMIN_ROLE) {
    const fix = `map it to a role of your own (HASURA_ROLE_MAP=${emitsAdmin[0]}=app_admin) or, if admins really must bypass every Hasura permission, set HASURA_ALLOW_ADMIN_ROLE=true`;
    const what = `the hasura extension would give users of role "${emitsAdmin[0]}" Hasura's built-in admin role, which bypasses every permission`;
    if (report.production) report.problem('HASURA_ROLE_MAP', `${what}: ${fix}`);
    else report.warn(`${what} (refused in production): ${fix}`);
  }
  return {
    name: 'hasura',
    namespace: env.HASURA_CLAIMS_NAMESPACE,
    format: env.HASURA_CLAIMS_FORMAT,
    roleMap,
    allowAdminRole: env.HASURA_ALLOW_ADMIN_ROLE || !report.production,
  };
}

/** HASURA_ROLE_MAP: `role=hasura_role` pairs, comma-separated. */
function hasuraRoleMap(entries: readonly string[], problem: (message: string) => void): Record<string, string> {
  const map: Record<string, string> = Object.create(null);
  for (const entry of entries) {
    const [from, to, extra] = entry.split('=').map((part) => part.trim());
    if (!from || !to || extra !== undefined) problem(`"${entry}" is not role=hasura_role`);
    else if (from in map) problem(`"${from}" is mapped twice`);
    else map[from] = to;
  }
  return map;
}
