import { envExtension } from './env.js';
import { hasuraExtension } from './hasura.js';
import type { JwtExtension } from './types.js';

/** One JWT_EXTENSIONS entry, as the config checked it. */
export type ExtensionSettings =
  | {
      readonly name: 'hasura';
      readonly namespace: string;
      readonly format: 'json' | 'stringified_json';
      /** HASURA_ROLE_MAP: the gateway's role → the role Hasura gets (unlisted roles pass as they are). */
      readonly roleMap: Readonly<Record<string, string>>;
      /** Whether the claims may name Hasura's own `admin` role (which bypasses every permission). */
      readonly allowAdminRole: boolean;
    }
  | { readonly name: 'env'; readonly namespace: string; readonly claims: string };

/** The extensions JWT_EXTENSIONS names, in that order. */
export function createExtensions(extensions: readonly ExtensionSettings[], options: { defaultRole: string; multiTenant: boolean }): JwtExtension[] {
  return extensions.map((extension) =>
    extension.name === 'hasura'
      ? hasuraExtension({ ...extension, defaultRole: options.defaultRole, multiTenant: options.multiTenant })
      : envExtension(extension.namespace, extension.claims),
  );
}
